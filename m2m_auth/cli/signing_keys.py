"""``m2m signing-key rotate|list``: the keys that sign JWT access tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import OutputWrapper

from ..exceptions import InvalidInput
from ..models import SigningKey
from ..oauth import keys
from .output import iso, write_json, write_listing
from .verbs import ACTOR, add_json, noun, verb

COLUMNS = ["kid", "algorithm", "state", "created_at", "activated_at", "retired_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "signing-key", "JWT signing keys")
    rotate_parser = verb(verbs, "rotate", rotate, "schedule the pre-published next key to sign once every resource server has it; tokens already issued stay valid")
    rotate_parser.add_argument("--algorithm", metavar="RS256|ES256|EdDSA")
    add_json(rotate_parser)
    add_json(verb(verbs, "list", listing, "list signing keys (public data only)"), "one JSON array")


def rotate(options: dict, out: OutputWrapper) -> None:
    algorithm = options["algorithm"]
    if algorithm is not None and algorithm not in SigningKey.Algorithm.values:
        raise InvalidInput(f"Invalid --algorithm {algorithm!r}: use RS256, ES256 or EdDSA.")
    key = keys.rotate(algorithm, actor=ACTOR)
    if options["json"]:
        write_json(out, {"kid": key.kid, "algorithm": key.algorithm, "state": key.state,
                         "signs_from": iso(key.activated_at)})
    else:
        out.write(f"{keys.when_it_signs(key)} The previous key stays published until its tokens expire.")


def listing(options: dict, out: OutputWrapper) -> None:
    keys.settle()  # a due key is shown as current
    write_listing(out, options, [_row(key) for key in SigningKey.objects.all()], COLUMNS)


def _row(key: SigningKey) -> dict[str, Any]:
    return {
        "kid": key.kid,
        "algorithm": key.algorithm,
        "state": key.state,
        "created_at": iso(key.created_at),
        "activated_at": iso(key.activated_at),
        "retired_at": iso(key.retired_at),
    }

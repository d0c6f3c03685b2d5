"""``m2m apikey create|roll|revoke|list``: keys for services and integrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import OutputWrapper

from .. import issuing, revoking
from ..durations import parse_duration
from ..models import ApiKey
from .output import iso, write_created
from .verbs import (
    ACTOR,
    add_create,
    add_json,
    add_expires_in,
    add_list,
    add_revoke,
    add_roles,
    add_scopes,
    credential_row,
    expires_in,
    noun,
    verb,
)

COLUMNS = ["id", "name", "status", "scopes", "roles", "application", "expires_at", "rolled_to", "last_used_at",
           "created_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "apikey", "API keys")
    parser = add_create(verbs, create, "create an API key", "NAME")
    add_scopes(parser)
    add_roles(parser)
    add_expires_in(parser)
    roll_parser = verb(verbs, "roll", roll, "issue a new key like this one; the old key works until the overlap ends")
    roll_parser.add_argument("id", metavar="ID", help="the id, the name or the full key")
    roll_parser.add_argument("--overlap", metavar="DURATION", help="how long the old key keeps working, e.g. 24h")
    add_json(roll_parser)
    add_revoke(verbs, "API key", revoking.find_api_key, revoking.revoke)
    add_list(verbs, rows, COLUMNS, "list API keys", expiring=True)


def create(options: dict, out: OutputWrapper) -> None:
    key, secret = issuing.create_api_key(
        options["name"], scopes=options["scopes"], roles=options["roles"], expires_in=expires_in(options), actor=ACTOR
    )
    record = {"id": key.public_id, "name": key.name, "key": secret, "expires_at": iso(key.expires_at)}
    write_created(out, options, record, f"Created API key {key.name!r} (id {key.public_id}). Key:", secret)


def roll(options: dict, out: OutputWrapper) -> None:
    old = revoking.find_api_key(options["id"])
    overlap = parse_duration(options["overlap"]) if options["overlap"] else None
    key, secret = issuing.roll_api_key(old, overlap=overlap, actor=ACTOR)
    old_expires_at = iso(old.expires_at)
    record = {"id": key.public_id, "name": key.name, "key": secret, "expires_at": iso(key.expires_at),
              "rolled_from": old.public_id, "rolled_from_expires_at": old_expires_at}
    sentence = (f"Rolled API key {key.name!r}: new id {key.public_id}; "
                f"the old key {old.public_id} works until {old_expires_at}. Key:")
    write_created(out, options, record, sentence, secret)


def rows(within: timedelta | None = None) -> list[dict[str, Any]]:
    keys = ApiKey.objects.expiring(within) if within else ApiKey.objects.all()
    keys = keys.select_related("application", "rolled_to").prefetch_related("scopes", "roles")
    return [
        {
            **credential_row(key),
            "roles": sorted(role.name for role in key.roles.all()),
            "application": key.application.client_id if key.application else None,
            "rolled_to": getattr(getattr(key, "rolled_to", None), "public_id", None),
        }
        for key in keys
    ]

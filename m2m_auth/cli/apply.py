"""``m2m apply FILE.json``: resources, scopes and roles as data (see ``declarative``)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from .. import declarative
from .output import write_json
from .verbs import ACTOR, add_json


def register(nouns) -> None:
    parser = nouns.add_parser("apply", help="create or update resources, scopes and roles from a JSON file")
    parser.add_argument("file", metavar="FILE.json")
    add_json(parser)
    parser.set_defaults(handler=apply)


def apply(options: dict, out: OutputWrapper) -> None:
    outcome = declarative.apply_file(options["file"], actor=ACTOR)
    if options["json"]:
        write_json(out, {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged})
        return
    for status in ("created", "updated"):
        for label in getattr(outcome, status):
            out.write(f"{status} {label}")
    counts = len(outcome.created), len(outcome.updated), len(outcome.unchanged)
    out.write("Applied {}: created {}, updated {}, unchanged {}.".format(options["file"], *counts))

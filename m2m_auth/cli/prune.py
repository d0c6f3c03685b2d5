"""``m2m prune``: expired deny-list rows and audit events past retention (for cron)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from .. import pruning
from .output import write_json


def register(nouns) -> None:
    parser = nouns.add_parser("prune", help="delete expired deny-list rows and feed events, and audit events past AUDIT_RETENTION")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=prune)


def prune(options: dict, out: OutputWrapper) -> None:
    counts = pruning.prune()
    if options["json"]:
        write_json(out, counts)
    else:
        out.write("Deleted {revoked_tokens} expired deny-list rows, {revocation_events} revocation feed events "
                  "and {audit_events} audit events.".format(**counts))

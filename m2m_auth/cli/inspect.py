"""``m2m inspect TOKEN``: why this site would accept or refuse a credential (never prints the secret)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import OutputWrapper

from ..inspection import kind_name, report
from .output import write_json
from .verbs import verb

ORDER = ["kind", "public_id", "name", "client_id", "status", "expires_at", "scopes", "revoke_reason", "note"]


def register(nouns) -> None:
    parser = verb(nouns, "inspect", inspect, "why a credential would be accepted or refused here")
    parser.add_argument("token", metavar="TOKEN", help="the credential, or - to read it from standard input "
                                                       "(keeps it out of the shell history)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def inspect(options: dict, out: OutputWrapper) -> None:
    token = sys.stdin.readline() if options["token"] == "-" else options["token"]
    found = report(token)
    if options["json"]:
        write_json(out, found)
        return
    for name in ORDER:
        if found.get(name) not in (None, []):
            value = found[name]
            shown = " ".join(value) if isinstance(value, list) else kind_name(value) if name == "kind" else value
            out.write(f"{name.replace('_', ' ') + ':':<16}{shown}")
    for name in ("header", "claims", "expected"):
        if name in found:
            out.write(f"{name + ':':<16}{json.dumps(found[name], sort_keys=True)}")
    out.write(f"{'verdict:':<16}" + ("accepted here" if found["accepted"] else f"refused: {found['reason']}"))
    if found["hint"]:
        out.write(f"{'what to do:':<16}{found['hint']}")

"""``m2m notify-expiring``: for cron; announces credentials entering their warning window, once each."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from .. import notify
from ..exceptions import M2MAuthError
from ..expiry import Expiring
from .output import iso, write_json
from .verbs import add_json


def register(nouns) -> None:
    parser = nouns.add_parser(
        "notify-expiring", help="signal (and, with EXPIRY_WARNING_EMAIL, mail) each credential entering its "
        "warning window, once; run it from cron")
    parser.set_defaults(handler=notify_expiring)
    add_json(parser)


def notify_expiring(options: dict, out: OutputWrapper) -> None:
    report = notify.notify_expiring()
    if options["json"]:
        write_json(out, {"announced": [_item(item) for item in report.announced],
                         "failed": [_item(item) for item in report.failed]})
    else:
        for item in report.announced:
            out.write(f"{item.kind} {item.name!r} ({item.target_id}) expires at {iso(item.expires_at)}")
        out.write(f"Announced {len(report.announced)} expiring credential(s).")
    if report.failed:
        raise M2MAuthError(f"Could not mail {len(report.failed)} warning(s); the next run tries them again.")


def _item(item: Expiring) -> dict:
    return {"kind": item.kind, "id": item.target_id, "name": item.name, "expires_at": iso(item.expires_at)}

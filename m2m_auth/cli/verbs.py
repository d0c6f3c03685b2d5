"""What the nouns share: declaring verbs and options, listing, revoking."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management.base import OutputWrapper

from ..durations import parse_duration
from ..models.base import SecretCredential
from .output import iso, write_json, write_listing

ACTOR = "cli"

Handler = Callable[[dict, OutputWrapper], None]


def noun(nouns, name: str, help: str):
    """A noun's parser; returns the subparsers its verbs are added to."""
    return nouns.add_parser(name, help=help).add_subparsers(dest="verb", required=True, metavar="VERB")


def verb(verbs, name: str, handler: Handler, help: str) -> ArgumentParser:
    parser = verbs.add_parser(name, help=help)
    parser.set_defaults(handler=handler)
    return parser


def add_create(verbs, handler: Handler, help: str, *positionals: str) -> ArgumentParser:
    """``create POSITIONAL... [--json]``; the caller adds the options."""
    parser = verb(verbs, "create", handler, help)
    for name in positionals:
        parser.add_argument(name.lower(), metavar=name)
    add_json(parser)
    return parser


def add_scopes(parser: ArgumentParser) -> None:
    parser.add_argument("--scope", dest="scopes", action="append", default=[], metavar="SCOPE")


def add_roles(parser: ArgumentParser) -> None:
    parser.add_argument("--role", dest="roles", action="append", default=[], metavar="ROLE")


def add_expires_in(parser: ArgumentParser) -> None:
    parser.add_argument("--expires-in", metavar="DURATION", help="e.g. 30s, 90m, 12h, 30d")


def expires_in(options: dict) -> timedelta | None:
    return parse_duration(options["expires_in"]) if options["expires_in"] else None


def add_json(parser: ArgumentParser, what: str = "one JSON object") -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} on one line")


def add_list(verbs, rows: Callable[..., list[dict[str, Any]]], columns: list[str], help: str,
             expiring: bool = False) -> None:
    """``list [--json]``, and ``[--expiring DURATION]`` when ``rows`` takes ``within``."""

    def handle(options: dict, out: OutputWrapper) -> None:
        found = rows(within=parse_duration(options["expiring"])) if options.get("expiring") else rows()
        write_listing(out, options, found, columns)

    parser = verb(verbs, "list", handle, help)
    if expiring:
        parser.add_argument("--expiring", metavar="DURATION", help="only those active and expiring within, e.g. 7d")
    add_json(parser, "one JSON array")


def add_revoke(verbs, label: str, find: Callable[[str], Any], revoke: Callable[..., bool]) -> None:
    """``revoke ID [--reason TEXT] [--json]``; revoking twice is not an error, it says so.

    ID is the public id, the name or the full secret; the output names the
    credential by name and public id, never by what was typed.
    """

    def handle(options: dict, out: OutputWrapper) -> None:
        target = find(options["id"])
        revoked = revoke(target, actor=ACTOR, reason=options["reason"])
        if options["json"]:
            write_json(out, {"id": ident_of(target), "name": target.name, "revoked": revoked})
        elif revoked:
            out.write(f"Revoked {label} {target.name!r} (id {ident_of(target)}).")
        else:  # a second revoke is not an error: the state asked for holds
            out.write(f"The {label} {target.name!r} (id {ident_of(target)}) was already revoked.")

    parser = verb(verbs, "revoke", handle, "revoke by the id printed by create, the name or the full secret")
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--reason", default="", metavar="TEXT")
    add_json(parser)


def ident_of(target) -> str:
    """What ``create`` printed as ``id``: the public id, or an application's number."""
    return getattr(target, "public_id", None) or str(target.pk)


def scope_names(permissions) -> list[str]:
    """Sorted scope strings of a (prefetched) permissions manager."""
    return sorted(permission.scope for permission in permissions.all())


def credential_row(credential: SecretCredential) -> dict[str, Any]:
    """The listed fields every key and token has; never the secret or its hash."""
    return {
        "id": credential.public_id,
        "name": credential.name,
        "status": credential.status,
        "scopes": scope_names(credential.scopes),
        "expires_at": iso(credential.expires_at),
        "last_used_at": iso(credential.last_used_at),
        "created_at": iso(credential.created_at),
    }

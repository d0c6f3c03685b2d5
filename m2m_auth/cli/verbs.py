"""What the nouns share: declaring verbs and options, listing, revoking."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management.base import OutputWrapper

from ..durations import parse_duration
from ..models import ApiKey, PersonalAccessToken
from .output import iso, write_listing

ACTOR = "cli"

Handler = Callable[[dict, OutputWrapper], None]


def noun(nouns, name: str, help: str):
    """A noun's parser; returns the subparsers its verbs are added to."""
    return nouns.add_parser(name, help=help).add_subparsers(dest="verb", required=True, metavar="VERB")


def verb(verbs, name: str, handler: Handler, help: str) -> ArgumentParser:
    parser = verbs.add_parser(name, help=help)
    parser.set_defaults(handler=handler)
    return parser


def add_create(verbs, handler: Handler, help: str, *positionals: str, json: bool = True) -> ArgumentParser:
    """``create POSITIONAL... [--json]``; the caller adds the options."""
    parser = verb(verbs, "create", handler, help)
    for name in positionals:
        parser.add_argument(name.lower(), metavar=name)
    if json:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def add_scopes(parser: ArgumentParser) -> None:
    parser.add_argument("--scope", dest="scopes", action="append", default=[], metavar="SCOPE")


def add_roles(parser: ArgumentParser) -> None:
    parser.add_argument("--role", dest="roles", action="append", default=[], metavar="ROLE")


def add_expires_in(parser: ArgumentParser) -> None:
    parser.add_argument("--expires-in", metavar="DURATION", help="e.g. 30s, 90m, 12h, 30d")


def expires_in(options: dict) -> timedelta | None:
    return parse_duration(options["expires_in"]) if options["expires_in"] else None


def add_list(verbs, rows: Callable[[], list[dict[str, Any]]], columns: list[str], help: str) -> None:
    def handle(options: dict, out: OutputWrapper) -> None:
        write_listing(out, options, rows(), columns)

    verb(verbs, "list", handle, help).add_argument("--json", action="store_true", help="print one JSON array")


def add_revoke(verbs, label: str, find: Callable[[str], Any], revoke: Callable[..., bool]) -> None:
    """``revoke ID [--reason TEXT]``; revoking twice is not an error, it says so."""

    def handle(options: dict, out: OutputWrapper) -> None:
        target = find(options["id"])
        if revoke(target, actor=ACTOR, reason=options["reason"]):
            out.write(f"Revoked {label} {options['id']}.")
        else:
            out.write(f"The {label} {options['id']} was already revoked.")

    parser = verb(verbs, "revoke", handle, "revoke by the id printed by create")
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--reason", default="", metavar="TEXT")


def scope_names(permissions) -> list[str]:
    """Sorted scope strings of a (prefetched) permissions manager."""
    return sorted(permission.scope for permission in permissions.all())


def credential_row(credential: ApiKey | PersonalAccessToken) -> dict[str, Any]:
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

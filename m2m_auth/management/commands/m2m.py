"""``python manage.py m2m <noun> <verb>``: provisioning for people and scripts.

The names are fixed (scripts depend on them); see DESIGN.md, "Command line".
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from django.core.management.base import BaseCommand, CommandError, CommandParser

from m2m_auth.cli import (
    api_keys,
    apply,
    apps,
    inspect,
    notify_expiring,
    prune,
    resources,
    roles,
    signing_keys,
    tokens,
    users,
)
from m2m_auth.exceptions import M2MAuthError

NOUNS = (resources, roles, users, apps, api_keys, tokens, signing_keys, apply, notify_expiring, prune, inspect)


class Command(BaseCommand):
    help = "Manage API resources, roles, applications, API keys and personal access tokens."

    def get_version(self) -> str:
        """``m2m --version``: m2m-auth's version, not Django's."""
        try:
            return version("m2m-auth")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "unknown (m2m-auth is not installed)"

    def add_arguments(self, parser: CommandParser) -> None:
        # CommandParser passes called_from_command_line on to subparsers, so a
        # syntax error raises CommandError under call_command and exits 2 in a shell.
        nouns = parser.add_subparsers(dest="noun", required=True, metavar="NOUN", parser_class=CommandParser)
        for module in NOUNS:
            module.register(nouns)

    def handle(self, *args, handler, **options) -> None:
        try:
            handler({**options, "stderr": self.stderr}, self.stdout)
        except M2MAuthError as error:
            # Flow messages are one line; joining keeps it so whatever the user typed.
            raise CommandError(" ".join(str(error).split())) from None

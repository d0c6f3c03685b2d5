"""``m2m user grant|revoke``: giving user roles to people, and taking them back."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from .. import rbac
from .verbs import noun, verb


def register(nouns) -> None:
    verbs = noun(nouns, "user", "user role assignments")
    for name, handler, help in [("grant", grant, "give a user a user role"), ("revoke", revoke, "take it back")]:
        parser = verb(verbs, name, handler, help)
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--role", required=True, metavar="ROLE")


def grant(options: dict, out: OutputWrapper) -> None:
    rbac.grant_role(options["username"], options["role"], actor="cli")
    out.write(f"User {options['username']!r} holds role {options['role']!r}.")


def revoke(options: dict, out: OutputWrapper) -> None:
    if rbac.ungrant_role(options["username"], options["role"], actor="cli"):
        out.write(f"Took role {options['role']!r} from user {options['username']!r}.")
    else:
        out.write(f"User {options['username']!r} did not hold role {options['role']!r}.")

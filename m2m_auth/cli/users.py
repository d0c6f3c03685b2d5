"""``m2m user grant|revoke``: giving user roles to people, and taking them back."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from .. import rbac
from .output import write_json
from .verbs import ACTOR, add_json, noun, verb


def register(nouns) -> None:
    verbs = noun(nouns, "user", "user role assignments")
    for name, handler, help in [("grant", grant, "give a user a user role"), ("revoke", revoke, "take it back")]:
        parser = verb(verbs, name, handler, help)
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--role", required=True, metavar="ROLE")
        add_json(parser)


def grant(options: dict, out: OutputWrapper) -> None:
    rbac.grant_role(options["username"], options["role"], actor=ACTOR)
    if options["json"]:
        write_json(out, {"username": options["username"], "role": options["role"], "holds": True})
    else:
        out.write(f"User {options['username']!r} holds role {options['role']!r}.")


def revoke(options: dict, out: OutputWrapper) -> None:
    took = rbac.ungrant_role(options["username"], options["role"], actor=ACTOR)
    if options["json"]:
        write_json(out, {"username": options["username"], "role": options["role"], "holds": False})
    elif took:
        out.write(f"Took role {options['role']!r} from user {options['username']!r}.")
    else:
        out.write(f"User {options['username']!r} did not hold role {options['role']!r}.")

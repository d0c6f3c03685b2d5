"""``m2m role create|list``: named sets of scopes, for machines or for users."""

from __future__ import annotations

from typing import Any

from django.core.management.base import OutputWrapper

from .. import rbac
from ..models import Role
from .output import iso
from .verbs import add_create, add_list, add_scopes, noun, scope_names


def register(nouns) -> None:
    verbs = noun(nouns, "role", "roles: named sets of scopes")
    parser = add_create(verbs, create, "create a role", "NAME", json=False)
    # Not argparse choices: the flow refuses a bad kind in one line.
    parser.add_argument("--kind", required=True, metavar="machine|user")
    add_scopes(parser)
    add_list(verbs, rows, ["name", "kind", "scopes", "created_at"], "list roles")


def create(options: dict, out: OutputWrapper) -> None:
    role = rbac.create_role(options["name"], options["kind"], options["scopes"], actor="cli")
    scopes = ", ".join(sorted(options["scopes"])) or "none"
    out.write(f"Created {role.kind} role {role.name!r}, scopes: {scopes}.")


def rows() -> list[dict[str, Any]]:
    return [
        {
            "name": role.name,
            "kind": role.kind,
            "scopes": scope_names(role.permissions),
            "created_at": iso(role.created_at),
        }
        for role in Role.objects.prefetch_related("permissions")
    ]

"""``m2m role create|update|list``: named sets of scopes, for machines or for users."""

from __future__ import annotations

from typing import Any

from django.core.management.base import OutputWrapper

from .. import rbac
from ..models import Role
from .output import iso, write_json
from .verbs import ACTOR, add_create, add_json, add_list, add_scopes, noun, scope_names, verb


def register(nouns) -> None:
    verbs = noun(nouns, "role", "roles: named sets of scopes")
    parser = add_create(verbs, create, "create a role", "NAME")
    # Not argparse choices: the flow refuses a bad kind in one line.
    parser.add_argument("--kind", required=True, metavar="machine|user")
    add_scopes(parser)
    update_parser = verb(verbs, "update", update, "add scopes to a role or remove them")
    update_parser.add_argument("name", metavar="NAME")
    update_parser.add_argument("--add-scope", dest="add_scopes", action="append", default=[], metavar="SCOPE")
    update_parser.add_argument("--remove-scope", dest="remove_scopes", action="append", default=[], metavar="SCOPE")
    add_json(update_parser)
    add_list(verbs, rows, ["name", "kind", "scopes", "created_at"], "list roles")


def create(options: dict, out: OutputWrapper) -> None:
    role = rbac.create_role(options["name"], options["kind"], options["scopes"], actor=ACTOR)
    row = _row(Role.objects.prefetch_related("permissions").get(pk=role.pk))
    if options["json"]:
        write_json(out, row)
    else:
        out.write(f"Created {role.kind} role {role.name!r}, scopes: {', '.join(row['scopes']) or 'none'}.")


def update(options: dict, out: OutputWrapper) -> None:
    role = rbac.resolve_role(options["name"])
    changed = rbac.update_role(role, add_scopes=options["add_scopes"], remove_scopes=options["remove_scopes"],
                               actor=ACTOR)
    row = _row(Role.objects.prefetch_related("permissions").get(pk=role.pk))
    if options["json"]:
        write_json(out, {**row, "changed": changed})
    else:
        state = "Updated" if changed else "Nothing to change in"
        out.write(f"{state} {role.kind} role {role.name!r}, scopes: {', '.join(row['scopes']) or 'none'}.")


def rows() -> list[dict[str, Any]]:
    return [_row(role) for role in Role.objects.prefetch_related("permissions")]


def _row(role: Role) -> dict[str, Any]:
    return {"name": role.name, "kind": role.kind, "scopes": scope_names(role.permissions),
            "created_at": iso(role.created_at)}

"""``m2m apply``: make API resources, scopes and roles match a JSON file.

    {"resources": [{"identifier": "https://api.example.com", "name": "Example",
                    "token_ttl": 900, "scopes": ["orders:read", "orders:write"]}],
     "roles": [{"name": "billing-service", "kind": "machine", "scopes": ["orders:read"]}]}

Resources are matched by identifier, roles by name. The whole file is checked,
against itself and then the database, before anything is written, and all is
written in one transaction: a refused file changes nothing. Applying the same
file twice changes nothing the second time.

``apply`` creates what is missing and updates what differs: a resource's name
and ``token_ttl``, its scopes (added), a role's scopes (set to the file's list).
It never deletes: scopes, resources and roles the file does not mention stay.
A key left out (``token_ttl``, ``scopes``) leaves that attribute as it is, or
takes the default on creation. A role's kind changes only while nothing holds
it that the change would take it from (``Role.kind_change_refusal``, the rule
the admin follows too). A role's scopes must exist in the file or the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from . import audit, rbac
from .exceptions import Conflict, InvalidInput, NotFound, NotPermitted
from .models import ApiResource, Permission, Role
from .models.names import normalize_name

__all__ = ["Outcome", "ResourceSpec", "RoleSpec", "Spec", "apply", "apply_file", "load", "parse"]

TYPES = {
    "a list": lambda value: isinstance(value, list),
    "a string": lambda value: isinstance(value, str),
    "a whole number": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "a list of strings": lambda value: isinstance(value, list) and all(isinstance(v, str) for v in value),
}
TOP_KEYS = {"resources": "a list", "roles": "a list"}
RESOURCE_KEYS = {
    "identifier": "a string",
    "name": "a string",
    "token_ttl": "a whole number",
    "scopes": "a list of strings",
}
ROLE_KEYS = {"name": "a string", "kind": "a string", "scopes": "a list of strings"}


@dataclass(frozen=True)
class ResourceSpec:
    identifier: str
    name: str
    token_ttl: int | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleSpec:
    name: str
    kind: str
    scopes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Spec:
    resources: tuple[ResourceSpec, ...] = ()
    roles: tuple[RoleSpec, ...] = ()


@dataclass
class Outcome:
    """Labels such as ``resource https://api.example.com`` by what happened to them."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def add(self, label: str, status: str) -> None:
        getattr(self, status).append(label)


def load(path: str) -> Spec:
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as error:
        raise InvalidInput(f"Cannot read {path!r}: {error.strerror or error}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"Cannot read {path!r}: not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InvalidInput(f"Invalid JSON in {path!r}: {error.msg} at {where}.") from None
    except (ValueError, RecursionError):
        # A number too long to convert, or nesting too deep to follow.
        raise InvalidInput(f"Invalid JSON in {path!r}: a number too long or nesting too deep.") from None
    return parse(data)


def parse(data: object) -> Spec:
    """The file's content checked on its own, before the database is asked."""
    top = _fields(data, "", TOP_KEYS, required=())
    resources = tuple(_resource(item, f"resources[{i}]") for i, item in enumerate(top.get("resources", [])))
    roles = tuple(_role(item, f"roles[{i}]") for i, item in enumerate(top.get("roles", [])))
    _once("resource identifier", (resource.identifier for resource in resources))
    _once("resource name", (resource.name for resource in resources))
    _once("scope", (scope for resource in resources for scope in resource.scopes))
    _once("role", (role.name for role in roles))
    return Spec(resources, roles)


def _fields(value: object, where: str, types: dict[str, str], required: Iterable[str]) -> dict:
    if not isinstance(value, dict):
        raise _refused(where, "expected an object.")
    unknown, missing = sorted(set(value) - set(types)), [key for key in required if key not in value]
    if unknown:
        raise _refused(where, f"unknown key {unknown[0]!r}.")
    if missing:
        raise _refused(where, f"missing key {missing[0]!r}.")
    for key, item in value.items():
        if not TYPES[types[key]](item):
            raise _refused(f"{where}.{key}" if where else key, f"expected {types[key]}.")
    return value


def _refused(where: str, problem: str) -> InvalidInput:
    return InvalidInput(f"Invalid file: {where}: {problem}" if where else f"Invalid file: {problem}")


@contextmanager
def _at(where: str) -> Iterator[None]:
    try:
        yield
    except InvalidInput as error:
        raise _refused(where, str(error)) from None


def _resource(item: object, where: str) -> ResourceSpec:
    fields = _fields(item, where, RESOURCE_KEYS, required=("identifier", "name"))
    with _at(where):
        name = rbac.validate_resource_fields(fields["identifier"], fields["name"], fields.get("token_ttl", 900))
        scopes = {rbac.validate_scope(scope) for scope in fields.get("scopes", [])}
    return ResourceSpec(fields["identifier"], name, fields.get("token_ttl"), tuple(sorted(scopes)))


def _role(item: object, where: str) -> RoleSpec:
    fields = _fields(item, where, ROLE_KEYS, required=("name", "kind"))
    with _at(where):
        name = normalize_name(fields["name"])
        if fields["kind"] not in Role.Kind.values:
            raise InvalidInput(f"Invalid role kind {fields['kind']!r}: use machine or user.")
        scopes = fields.get("scopes")
        scopes = None if scopes is None else tuple(sorted({rbac.validate_scope(scope) for scope in scopes}))
    return RoleSpec(name, fields["kind"], scopes)


def _once(what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise _refused("", f"{what} {value!r} appears twice.")
        seen.add(value)


def apply_file(path: str, *, actor: str = "") -> Outcome:
    return apply(load(path), actor=actor)


@transaction.atomic
def apply(spec: Spec, *, actor: str = "") -> Outcome:
    _check_against_database(spec)
    outcome = Outcome()
    for resource in spec.resources:
        outcome.add(f"resource {resource.identifier}", _apply_resource(resource, actor))
    for role in spec.roles:
        outcome.add(f"role {role.name}", _apply_role(role, actor))
    return outcome


def _check_against_database(spec: Spec) -> None:
    for resource in spec.resources:
        holder = ApiResource.objects.filter(name=resource.name).exclude(identifier=resource.identifier).first()
        if holder is not None:
            raise Conflict(f"A resource named {resource.name!r} already exists: {holder.identifier}.")
        rbac.refuse_scopes_of_other_resources(resource.scopes, resource.identifier)
    declared = {scope for resource in spec.resources for scope in resource.scopes}
    for role in spec.roles:
        _check_role(role, declared)


def _check_role(role: RoleSpec, declared: set[str]) -> None:
    existing = Role.objects.filter(name=role.name).first()
    refusal = existing.kind_change_refusal(role.kind) if existing and existing.kind != role.kind else None
    if refusal:
        raise NotPermitted(refusal)
    wanted = set(role.scopes or ()) - declared
    missing = sorted(wanted - set(Permission.objects.filter(scope__in=wanted).values_list("scope", flat=True)))
    if missing:
        raise NotFound(f"Role {role.name!r}: unknown scope: {', '.join(missing)}.")


def _apply_resource(spec: ResourceSpec, actor: str) -> str:
    resource = ApiResource.objects.filter(identifier=spec.identifier).first()
    if resource is None:
        rbac.create_resource(spec.identifier, spec.name, spec.scopes, spec.token_ttl or 900, actor=actor)
        return "created"
    changes = {"name": spec.name, "token_ttl": spec.token_ttl or resource.token_ttl}
    changed = [name for name, value in changes.items() if getattr(resource, name) != value]
    if changed:
        ApiResource.objects.filter(pk=resource.pk).update(**{name: changes[name] for name in changed})
    held = set(resource.permissions.values_list("scope", flat=True))
    added = [scope for scope in spec.scopes if scope not in held]
    Permission.objects.bulk_create(Permission(resource=resource, scope=scope) for scope in added)
    if not (changed or added):
        return "unchanged"
    audit.record("update", resource, actor=actor, changed=changed, added_scopes=added)
    return "updated"


def _apply_role(spec: RoleSpec, actor: str) -> str:
    role = Role.objects.filter(name=spec.name).first()
    if role is None:
        rbac.create_role(spec.name, spec.kind, spec.scopes or (), actor=actor)
        return "created"
    return "updated" if rbac.update_role(role, kind=spec.kind, scopes=spec.scopes, actor=actor) else "unchanged"

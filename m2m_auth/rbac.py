"""RBAC flows: resources, scopes, roles and role assignments."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from . import audit
from .exceptions import Conflict, InvalidInput, NotFound, NotPermitted
from .models import ApiResource, Permission, Role, RoleAssignment
from .models.names import normalize_name
from .models.rbac import identifier_problem, scope_validator


def validate_scope(scope: str) -> str:
    try:
        scope_validator(scope)
    except ValidationError:
        raise InvalidInput(f"Invalid scope {scope!r}: printable ASCII without spaces or quotes.") from None
    return scope


def resolve_scopes(scopes: Iterable[str]) -> list[Permission]:
    wanted = sorted(set(scopes))
    found = {p.scope: p for p in Permission.objects.filter(scope__in=wanted)}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise NotFound(f"Unknown scope: {', '.join(missing)}.")
    return [found[s] for s in wanted]


def resolve_roles(names: Iterable[str], kind: str) -> list[Role]:
    wanted = sorted(set(names))
    found = {r.name: r for r in Role.objects.filter(name__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise NotFound(f"Unknown role: {', '.join(missing)}.")
    wrong = [n for n in wanted if found[n].kind != kind]
    if wrong:
        raise NotPermitted(f"Role {', '.join(wrong)} is not a {kind} role.")
    return [found[n] for n in wanted]


def resolve_user(username: str):
    User = get_user_model()
    try:
        return User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        raise NotFound(f"Unknown user: {username!r}.") from None


def user_scopes(user) -> set[str]:
    """The scopes a user holds now, through their user roles."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return set()
    return set(Permission.objects.held_by(user).values_list("scope", flat=True))


def scopes_not_held(user, scopes: Iterable[str]) -> list[str]:
    """A PAT's scopes must be held by its user: those that are not, sorted."""
    return sorted(set(scopes) - user_scopes(user))


# The largest value a PositiveIntegerField holds on every supported database.
MAX_TOKEN_TTL = 2**31 - 1


def validate_resource_fields(identifier: str, name: str, token_ttl: int) -> str:
    """What the database would refuse less politely; returns the normalised name."""
    problem = identifier_problem(identifier)
    if problem:
        raise InvalidInput(f"Invalid identifier {identifier!r}: {problem}.")
    name = normalize_name(name)
    if isinstance(token_ttl, bool) or not 1 <= token_ttl <= MAX_TOKEN_TTL:
        raise InvalidInput(f"Invalid token lifetime {token_ttl!r}: 1 to {MAX_TOKEN_TTL} seconds.")
    return name


@transaction.atomic
def create_resource(
    identifier: str, name: str, scopes: Iterable[str] = (), token_ttl: int = 900, *, actor: str = ""
) -> ApiResource:
    name = validate_resource_fields(identifier, name, token_ttl)
    if ApiResource.objects.filter(identifier=identifier).exists():
        raise Conflict(f"A resource with identifier {identifier!r} already exists.")
    if ApiResource.objects.filter(name=name).exists():
        raise Conflict(f"A resource named {name!r} already exists.")
    scopes = sorted({validate_scope(s) for s in scopes})
    refuse_scopes_of_other_resources(scopes, identifier)
    resource = ApiResource.objects.create(identifier=identifier, name=name, token_ttl=token_ttl)
    Permission.objects.bulk_create(Permission(resource=resource, scope=s) for s in scopes)
    audit.record("create", resource, actor=actor, identifier=identifier, scopes=scopes)
    return resource


def refuse_scopes_of_other_resources(scopes: Iterable[str], identifier: str) -> None:
    """A scope names one API: API keys and PATs carry no audience, so a scope
    string shared by two resources would open both (see the README)."""
    taken = Permission.objects.filter(scope__in=list(scopes)).exclude(resource__identifier=identifier)
    owners = sorted(taken.values_list("scope", "resource__identifier"))
    if owners:
        listed = ", ".join(f"{scope} (of {owner})" for scope, owner in owners)
        raise Conflict(
            f"Scope already defined by another resource: {listed}. "
            "A scope names one API: choose other names, e.g. prefixed with this API's name."
        )


@transaction.atomic
def create_role(name: str, kind: str, scopes: Iterable[str] = (), *, actor: str = "") -> Role:
    name, kind = normalize_name(name), checked_kind(kind)
    if Role.objects.filter(name=name).exists():
        raise Conflict(f"A role named {name!r} already exists.")
    permissions = resolve_scopes(scopes)
    role = Role.objects.create(name=name, kind=kind)
    role.permissions.set(permissions)
    audit.record("create", role, actor=actor, name=name, kind=kind, scopes=[p.scope for p in permissions])
    return role


def checked_kind(kind: str) -> str:
    if kind not in Role.Kind.values:
        raise InvalidInput(f"Invalid role kind {kind!r}: use machine or user.")
    return kind


def resolve_role(name: str) -> Role:
    role = Role.objects.filter(name=name.strip()).first()
    if role is None:
        raise NotFound(f"Unknown role: {name!r}.")
    return role


@transaction.atomic
def update_role(
    role: Role, *, kind: str | None = None, scopes: Iterable[str] | None = None, add_scopes: Iterable[str] = (),
    remove_scopes: Iterable[str] = (), actor: str = "", address: str | None = None,
) -> list[str]:
    """Change a role's kind or scopes (``scopes`` sets them all); returns what changed.

    A kind change is refused while the role is held by the kind it would
    stop serving (see ``Role.kind_change_refusal``).
    """
    add_scopes, remove_scopes = list(add_scopes), list(remove_scopes)
    both = sorted(set(add_scopes) & set(remove_scopes))
    if both:
        raise InvalidInput(f"Scope {', '.join(both)} is both added and removed.")
    changed = []
    if kind is not None and checked_kind(kind) != role.kind:
        refusal = role.kind_change_refusal(kind)
        if refusal:
            raise NotPermitted(refusal)
        Role.objects.filter(pk=role.pk).update(kind=kind)
        role.kind = kind
        changed.append("kind")
    current = set(role.permissions.values_list("scope", flat=True))
    resolve_scopes([*add_scopes, *remove_scopes])
    wanted = set(scopes) if scopes is not None else (current | set(add_scopes)) - set(remove_scopes)
    if wanted != current:
        role.permissions.set(resolve_scopes(wanted))
        changed.append("scopes")
    if changed:
        audit.record("update", role, actor=actor, address=address, changed=changed, kind=role.kind,
                     added_scopes=sorted(wanted - current), removed_scopes=sorted(current - wanted))
    return changed


@transaction.atomic
def grant_role(username: str, role_name: str, *, actor: str = "") -> RoleAssignment:
    user = resolve_user(username)
    (role,) = resolve_roles([role_name], Role.Kind.USER)
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role)
    if created:
        audit.record("grant", role, actor=actor, user=user.get_username())
    return assignment


@transaction.atomic
def ungrant_role(username: str, role_name: str, *, actor: str = "") -> bool:
    """Take a role from a user; False if they did not have it."""
    user = resolve_user(username)
    (role,) = resolve_roles([role_name], Role.Kind.USER)
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role).delete()
    if deleted:
        audit.record("ungrant", role, actor=actor, user=user.get_username())
    return bool(deleted)


"""Which resource a token is for, and which scopes it carries.

A token is for exactly one API resource (its ``aud``). The resource is the
``resource`` parameter (RFC 8707) when given; otherwise the one resource the
requested scopes belong to; otherwise the one resource the client holds any
scope of. Requested scopes must all be held; none requested means all held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from oauthlib.oauth2.rfc6749.errors import InvalidScopeError, OAuth2Error

from .. import freshness
from ..models import ApiResource, Permission, Role
from . import remembered

BUILTIN_RESOURCE = "urn:m2m-auth:authorization-server"


class InvalidTargetError(OAuth2Error):
    """RFC 8707 section 2: the requested resource is invalid, unknown or not allowed."""

    error = "invalid_target"
    status_code = 400


@dataclass(frozen=True)
class Grant:
    resource: str
    token_ttl: int
    scopes: frozenset[str]


_memo: freshness.Memo = freshness.memo()


def held_by_application(application) -> dict[str, set[str]]:
    """The scopes an application's machine roles give it, by resource identifier (read-only)."""
    return _memo.recall(("held", application.pk), remembered.stamp(), lambda: _held_by_application(application))


def _held_by_application(application) -> dict[str, set[str]]:
    rows = Permission.objects.filter(roles__applications=application, roles__kind=Role.Kind.MACHINE)
    return _by_resource(rows.values_list("resource__identifier", "scope"))


def has_roles(application) -> bool:
    return _memo.recall(("roles", application.pk), remembered.stamp(), lambda: application.roles.exists())


def resource_ttl(identifier: str) -> int | None:
    """The access-token lifetime of an API resource; None if there is no such resource."""
    return _memo.recall(("ttl", identifier), remembered.stamp(), lambda: _resource_ttl(identifier))


def _resource_ttl(identifier: str) -> int | None:
    return ApiResource.objects.filter(identifier=identifier).values_list("token_ttl", flat=True).first()


def by_resource(scopes: Iterable[str]) -> dict[str, set[str]]:
    rows = Permission.objects.filter(scope__in=list(scopes)).values_list("resource__identifier", "scope")
    return _by_resource(rows)


def _by_resource(rows) -> dict[str, set[str]]:
    held: dict[str, set[str]] = defaultdict(set)
    for identifier, scope in rows:
        held[identifier].add(scope)
    return dict(held)


def decide(held: dict[str, set[str]], resources: list[str], requested: list[str]) -> Grant:
    """The grant for a token request, or an OAuth error (invalid_target, invalid_scope)."""
    resource = _target(held, resources, requested)
    wanted = set(requested) or held.get(resource, set())
    if not wanted <= held.get(resource, set()):
        raise InvalidScopeError(description="The client may not request these scopes for this resource.")
    ttl = resource_ttl(resource)
    if ttl is None:
        raise InvalidTargetError(description="Unknown resource.")
    return Grant(resource, ttl, frozenset(wanted))


def _target(held: dict[str, set[str]], resources: list[str], requested: list[str]) -> str:
    if len(resources) > 1:
        raise InvalidTargetError(description="Request one resource per token.")
    if resources:
        if resources[0] not in held:
            raise InvalidTargetError(description="The client holds no scope for this resource.")
        return resources[0]
    candidates = [r for r, scopes in held.items() if set(requested) & scopes] if requested else list(held)
    if len(candidates) > 1 and not requested:
        candidates = [r for r in candidates if r != BUILTIN_RESOURCE]
    if len(candidates) == 1:
        return candidates[0]
    if requested and not candidates:
        raise InvalidScopeError(description="The client may not request these scopes.")
    raise InvalidTargetError(description="Name the resource: the scopes do not determine one.")

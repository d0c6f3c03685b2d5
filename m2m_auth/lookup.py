"""The request path's one query: a credential by public id, with its scopes.

Scopes come back as space-joined strings from correlated subqueries, so a key
or token and everything needed to authorize it arrive in a single row.
"""

from __future__ import annotations

from django.db.models import Aggregate, F, OuterRef, QuerySet, Subquery, TextField

from .models import ApiKey, Permission, PersonalAccessToken, Role

SECRET_FIELDS = ("id", "public_id", "secret_hash", "expires_at", "revoked_at", "last_used_at")


class JoinedScopes(Aggregate):
    """Scopes joined with spaces (scopes never contain one)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ' ')"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra)


def _joined(permissions: QuerySet, group_by: str) -> Subquery:
    rows = permissions.order_by().values(group_by).annotate(joined=JoinedScopes("scope")).values("joined")
    return Subquery(rows[:1])


def find_api_key(public_id: str) -> ApiKey | None:
    direct = Permission.objects.filter(api_keys=OuterRef("pk"))
    by_role = Permission.objects.filter(roles__api_keys=OuterRef("pk"), roles__kind=Role.Kind.MACHINE)
    found = (
        ApiKey.objects.filter(public_id=public_id)
        .only(*SECRET_FIELDS, "name", "application_id")
        .annotate(
            direct_scopes=_joined(direct, "api_keys"),
            role_scopes=_joined(by_role, "roles__api_keys"),
            owner_active=F("application__is_active"),
            owner_client_id=F("application__client_id"),
        )
    )
    return next(iter(found), None)


def find_personal_access_token(public_id: str) -> PersonalAccessToken | None:
    held = Permission.objects.filter(
        personal_access_tokens=OuterRef("pk"),
        roles__kind=Role.Kind.USER,
        roles__assignments__user=OuterRef("user_id"),
    )
    found = (
        PersonalAccessToken.objects.filter(public_id=public_id)
        .select_related("user")
        .annotate(effective_scopes=_joined(held, "personal_access_tokens"))
    )
    return next(iter(found), None)


def split_scopes(*joined: str | None) -> frozenset[str]:
    return frozenset(scope for text in joined if text for scope in text.split(" "))

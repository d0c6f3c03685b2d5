"""The request path's one query: a credential by public id, with its scopes.

Scopes come back as space-joined strings from correlated subqueries, so a key
or token and everything needed to authorize it arrive in a single row. The
query is compiled once (see ``prepared.py``); rows become model instances
through ``Model.from_db``, as the ORM itself does, with ``granted_scopes`` (a
frozenset) and, for an API key, its owner's ``owner_active`` and ``owner_client_id``.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import Aggregate, F, Model, OuterRef, QuerySet, Subquery, TextField

from .models import ApiKey, Permission, PersonalAccessToken, Role
from .prepared import PreparedQuery


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


def attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _api_key_query(public_id: str) -> QuerySet:
    direct = Permission.objects.filter(api_keys=OuterRef("pk"))
    by_role = Permission.objects.filter(roles__api_keys=OuterRef("pk"), roles__kind=Role.Kind.MACHINE)
    return (
        ApiKey.objects.filter(public_id=public_id)
        .annotate(
            direct_scopes=_joined(direct, "api_keys"),
            role_scopes=_joined(by_role, "roles__api_keys"),
            owner_active=F("application__is_active"),
            owner_client_id=F("application__client_id"),
        )
        .values_list(*attnames(ApiKey), "direct_scopes", "role_scopes", "owner_active", "owner_client_id")
    )


def _token_query(public_id: str) -> QuerySet:
    held = Permission.objects.filter(
        personal_access_tokens=OuterRef("pk"),
        roles__kind=Role.Kind.USER,
        roles__assignments__user=OuterRef("user_id"),
    )
    user_fields = [f"user__{name}" for name in attnames(get_user_model())]
    return (
        PersonalAccessToken.objects.filter(public_id=public_id)
        .annotate(effective_scopes=_joined(held, "personal_access_tokens"))
        .values_list(*attnames(PersonalAccessToken), *user_fields, "effective_scopes")
    )


_API_KEY = PreparedQuery(_api_key_query)


@cache
def _prepared_token_query(user_model: type[Model]) -> PreparedQuery:
    return PreparedQuery(_token_query)


def find_api_key(public_id: str) -> ApiKey | None:
    using = router.db_for_read(ApiKey)
    row = _API_KEY.first_row(public_id, using)
    if row is None:
        return None
    fields = attnames(ApiKey)
    key = ApiKey.from_db(using, fields, row[: len(fields)])
    direct_scopes, role_scopes, key.owner_active, key.owner_client_id = row[len(fields) :]  # type: ignore[attr-defined]
    key.granted_scopes = split_scopes(direct_scopes, role_scopes)  # type: ignore[attr-defined]
    return key


def find_personal_access_token(public_id: str) -> PersonalAccessToken | None:
    using = router.db_for_read(PersonalAccessToken)
    User = get_user_model()
    row = _prepared_token_query(User).first_row(public_id, using)
    if row is None:
        return None
    token_fields, user_fields = attnames(PersonalAccessToken), attnames(User)
    split = len(token_fields)
    token = PersonalAccessToken.from_db(using, token_fields, row[:split])
    token.user = User.from_db(using, user_fields, row[split : split + len(user_fields)])
    token.granted_scopes = split_scopes(row[-1])  # type: ignore[attr-defined]
    return token


def split_scopes(*joined: str | None) -> frozenset[str]:
    """Split once per lookup: a remembered credential's scopes are a frozenset, never split again."""
    return frozenset(scope for text in joined if text for scope in text.split(" "))

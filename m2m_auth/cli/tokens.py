"""``m2m pat create|revoke|list``: personal access tokens, acting as their user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import OutputWrapper

from .. import issuing, rbac, revoking
from ..models import PersonalAccessToken
from .output import iso, write_created
from .verbs import (
    ACTOR,
    add_create,
    add_expires_in,
    add_list,
    add_revoke,
    add_scopes,
    credential_row,
    expires_in,
    noun,
)

COLUMNS = ["id", "name", "user", "status", "scopes", "expires_at", "last_used_at", "created_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "pat", "personal access tokens")
    parser = add_create(verbs, create, "create a personal access token for a user", "USERNAME", "NAME")
    add_scopes(parser)
    add_expires_in(parser)
    add_revoke(verbs, "personal access token", revoking.find_personal_access_token, revoking.revoke)
    add_list(verbs, rows, COLUMNS, "list personal access tokens", expiring=True)


def create(options: dict, out: OutputWrapper) -> None:
    user = rbac.resolve_user(options["username"])
    token, secret = issuing.create_personal_access_token(
        user, options["name"], scopes=options["scopes"], expires_in=expires_in(options), actor=ACTOR
    )
    username, expires_at = user.get_username(), iso(token.expires_at)
    record = {"id": token.public_id, "name": token.name, "user": username, "token": secret, "expires_at": expires_at}
    sentence = f"Created token {token.name!r} for {username!r} (id {token.public_id}, expires {expires_at}). Token:"
    write_created(out, options, record, sentence, secret)


def rows(within: timedelta | None = None) -> list[dict[str, Any]]:
    tokens = PersonalAccessToken.objects.expiring(within) if within else PersonalAccessToken.objects.all()
    tokens = tokens.select_related("user").prefetch_related("scopes")
    return [{**credential_row(token), "user": token.user.get_username()} for token in tokens]

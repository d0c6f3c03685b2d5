"""``m2m apikey create|revoke|list``: keys for services and integrations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import OutputWrapper

from .. import issuing, revoking
from ..models import ApiKey
from .output import iso, write_created
from .verbs import (
    ACTOR,
    add_create,
    add_expires_in,
    add_list,
    add_revoke,
    add_roles,
    add_scopes,
    credential_row,
    expires_in,
    noun,
)

COLUMNS = ["id", "name", "status", "scopes", "roles", "application", "expires_at", "last_used_at", "created_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "apikey", "API keys")
    parser = add_create(verbs, create, "create an API key", "NAME")
    add_scopes(parser)
    add_roles(parser)
    add_expires_in(parser)
    add_revoke(verbs, "API key", revoking.find_api_key, revoking.revoke)
    add_list(verbs, rows, COLUMNS, "list API keys")


def create(options: dict, out: OutputWrapper) -> None:
    key, secret = issuing.create_api_key(
        options["name"], scopes=options["scopes"], roles=options["roles"], expires_in=expires_in(options), actor=ACTOR
    )
    record = {"id": key.public_id, "name": key.name, "key": secret, "expires_at": iso(key.expires_at)}
    write_created(out, options, record, f"Created API key {key.name!r} (id {key.public_id}). Key:", secret)


def rows() -> list[dict[str, Any]]:
    keys = ApiKey.objects.select_related("application").prefetch_related("scopes", "roles")
    return [
        {
            **credential_row(key),
            "roles": sorted(role.name for role in key.roles.all()),
            "application": key.application.client_id if key.application else None,
        }
        for key in keys
    ]

"""``m2m app create|revoke|list``: M2M applications (OAuth confidential clients)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import OutputWrapper

from .. import issuing, revoking
from ..models import Application
from .output import iso, write_created
from .verbs import ACTOR, add_create, add_list, add_revoke, add_roles, noun, scope_names

COLUMNS = ["id", "name", "client_id", "status", "roles", "scopes", "last_used_at", "created_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "app", "M2M applications")
    add_roles(add_create(verbs, create, "create an application and its first client secret", "NAME"))
    # Disabling an application revokes its client secrets and API keys.
    add_revoke(verbs, "application", revoking.find_application, revoking.disable_application)
    add_list(verbs, rows, COLUMNS, "list applications")


def create(options: dict, out: OutputWrapper) -> None:
    app, secret = issuing.create_application(options["name"], roles=options["roles"], actor=ACTOR)
    record = {"id": str(app.pk), "name": app.name, "client_id": app.client_id, "client_secret": secret}
    sentence = f"Created application {app.name!r} (id {app.pk}, client id {app.client_id}). Client secret:"
    write_created(out, options, record, sentence, secret)


def rows() -> list[dict[str, Any]]:
    return [_row(app) for app in Application.objects.prefetch_related("roles__permissions", "secrets")]


def _row(app: Application) -> dict[str, Any]:
    roles = list(app.roles.all())
    used = [secret.last_used_at for secret in app.secrets.all() if secret.last_used_at]
    return {
        "id": str(app.pk),
        "name": app.name,
        "client_id": app.client_id,
        "status": "active" if app.is_active else "revoked",
        "roles": sorted(role.name for role in roles),
        "scopes": sorted({scope for role in roles for scope in scope_names(role.permissions)}),
        "expires_at": None,
        "last_used_at": iso(max(used, default=None)),
        "created_at": iso(app.created_at),
    }

"""``m2m app create|revoke|list``: M2M applications (OAuth confidential clients)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import OutputWrapper

from django.db import transaction

from .. import issuing, revoking
from ..models import Application
from ..oauth import clients
from .output import iso, write_created
from .verbs import ACTOR, add_create, add_list, add_revoke, add_roles, noun, scope_names, verb

COLUMNS = ["id", "name", "client_id", "status", "roles", "scopes", "last_used_at", "created_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "app", "M2M applications")
    parser = add_create(verbs, create, "create an application and its first client secret", "NAME")
    add_roles(parser)
    parser.add_argument("--jwks", metavar="FILE|URL", help="public keys for private_key_jwt (a URL is read once)")
    rotate = verb(verbs, "rotate-secret", rotate_secret, "issue a new client secret; older ones expire after the overlap")
    rotate.add_argument("client_id", metavar="CLIENT_ID")
    rotate.add_argument("--json", action="store_true", help="print one JSON object")
    # Disabling an application revokes its client secrets and API keys.
    add_revoke(verbs, "application", revoking.find_application, revoking.disable_application)
    add_list(verbs, rows, COLUMNS, "list applications")


def create(options: dict, out: OutputWrapper) -> None:
    jwks = clients.read_jwks(options["jwks"]) if options["jwks"] else None
    with transaction.atomic():
        app, secret = issuing.create_application(options["name"], roles=options["roles"], actor=ACTOR)
        if jwks:
            clients.register_jwks(app, jwks, actor=ACTOR)
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


def rotate_secret(options: dict, out: OutputWrapper) -> None:
    app = revoking.find_application(options["client_id"])
    secret, plaintext = clients.rotate_client_secret(app, actor=ACTOR)
    record = {"id": str(app.pk), "client_id": app.client_id, "client_secret": plaintext,
              "expires_at": iso(secret.expires_at)}
    sentence = f"New client secret for {app.name!r} ({app.client_id}); older secrets work until their expiry:"
    write_created(out, options, record, sentence, plaintext)

"""``m2m app create|update|register-cert|rotate-secret|revoke|list``: M2M applications (OAuth clients)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from .. import applications, expiry, revoking
from ..exceptions import InvalidInput
from ..models import Application
from ..oauth import clients, registration
from .output import iso, write_created, write_json
from .verbs import ACTOR, add_create, add_json, add_list, add_revoke, add_roles, noun, scope_names, verb

COLUMNS = ["id", "name", "client_id", "status", "roles", "scopes", "expires_at", "last_used_at", "created_at"]


def register(nouns) -> None:
    verbs = noun(nouns, "app", "M2M applications")
    parser = add_create(verbs, create, "create an application and its first client secret", "NAME")
    add_roles(parser)
    parser.add_argument("--jwks", metavar="FILE|URL", help="public keys for private_key_jwt (a URL is read once)")
    add_tls_options(parser)
    parser.add_argument("--no-secret", action="store_true",
                        help="issue no client secret: the client authenticates by certificate or --jwks only")
    tls = verb(verbs, "register-cert", register_cert, "register a certificate subject, SAN or self-signed certificate")
    tls.add_argument("client_id", metavar="CLIENT_ID")
    add_tls_options(tls)
    add_json(tls)
    rotate = verb(verbs, "rotate-secret", rotate_secret,
                  "issue a new client secret; older ones expire after the overlap")
    rotate.add_argument("client_id", metavar="CLIENT_ID")
    add_json(rotate)
    add_update(verbs)
    # Disabling an application revokes its client secrets and API keys.
    add_revoke(verbs, "application", revoking.find_application, revoking.disable_application)
    add_list(verbs, rows, COLUMNS, "list applications", expiring=True)


def add_update(verbs) -> None:
    parser = verb(verbs, "update", update, "change an application's roles, description or active state")
    parser.add_argument("client_id", metavar="CLIENT_ID")
    parser.add_argument("--add-role", dest="add_roles", action="append", default=[], metavar="ROLE")
    parser.add_argument("--remove-role", dest="remove_roles", action="append", default=[], metavar="ROLE")
    parser.add_argument("--description", metavar="TEXT")
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_const", const=True,
                       help="let it authenticate again")
    state.add_argument("--inactive", dest="active", action="store_const", const=False,
                       help="suspend it: its secrets and keys stop working until --active")
    add_json(parser)


def add_tls_options(parser) -> None:
    parser.add_argument("--tls-subject", metavar="DN",
                        help="tls_client_auth: the certificate subject in RFC 4514 order, e.g. CN=billing,O=Example "
                             "(openssl x509 -noout -subject -nameopt rfc2253)")
    parser.add_argument("--tls-san", metavar="SAN", help="tls_client_auth: dns:…, uri:…, ip:… or email:…")
    parser.add_argument("--tls-cert", dest="tls_certs", action="append", default=[], metavar="FILE",
                        help="self_signed_tls_client_auth: a PEM certificate (repeatable)")


def tls_options(options: dict) -> dict | None:
    if options["tls_subject"] is None and options["tls_san"] is None and not options["tls_certs"]:
        return None
    return {"subject_dn": options["tls_subject"], "san": options["tls_san"],
            "certificates": clients.read_certificate_files(options["tls_certs"])}


def create(options: dict, out: OutputWrapper) -> None:
    jwks = clients.read_jwks(options["jwks"]) if options["jwks"] else None
    tls = tls_options(options) or {}
    app, secret = registration.register_application(
        options["name"], roles=options["roles"], with_secret=not options["no_secret"], jwks=jwks,
        tls_subject_dn=tls.get("subject_dn"), tls_san=tls.get("san"), certificates=tls.get("certificates", ()),
        actor=ACTOR)
    warning = registration.scopeless_warning(app)
    if warning:
        options["stderr"].write(f"Warning: {warning}; give it one: m2m app update {app.client_id} --add-role ROLE")
    record = {"id": str(app.pk), "name": app.name, "client_id": app.client_id, "client_secret": secret}
    sentence = f"Created application {app.name!r} (id {app.pk}, client id {app.client_id})."
    if secret is not None:
        write_created(out, options, record, f"{sentence} Client secret:", secret)
    elif options["json"]:
        write_json(out, record)
    else:
        out.write(f"{sentence} It has no client secret.")


def update(options: dict, out: OutputWrapper) -> None:
    app = revoking.find_application(options["client_id"])
    changed = applications.update_application(
        app, add_roles=options["add_roles"], remove_roles=options["remove_roles"],
        description=options["description"], active=options["active"], actor=ACTOR,
    )
    if options["json"]:
        write_json(out, {**_row(Application.objects.get(pk=app.pk)), "changed": changed})
    elif changed:
        out.write(f"Updated application {app.name!r} ({app.client_id}): {', '.join(changed)}.")
    else:
        out.write(f"Application {app.name!r} ({app.client_id}) already was as asked; nothing changed.")


def rows(within: timedelta | None = None) -> list[dict[str, Any]]:
    apps = Application.objects.prefetch_related("roles__permissions", "secrets")
    if within is not None:
        apps = [app for app in apps if app.is_active and _expires_before(app, timezone.now() + within)]
    return [_row(app) for app in apps]


def _expires_before(app: Application, until: datetime) -> bool:
    expires_at = soonest_expiry(app)
    return expires_at is not None and expires_at <= until


def soonest_expiry(app: Application) -> datetime | None:
    """When the first of its active client secrets or registered certificates runs out."""
    now = timezone.now()
    secrets = [secret.expires_at for secret in app.secrets.all() if secret.is_active and secret.expires_at]
    certificates = [expiry.certificate_expiry(app, thumbprint) for thumbprint in app.tls_certificate_thumbprints or []]
    return min([*secrets, *(when for when in certificates if when and when > now)], default=None)


def _row(app: Application) -> dict[str, Any]:
    roles = list(app.roles.all())
    used = [secret.last_used_at for secret in app.secrets.all() if secret.last_used_at]
    return {
        "id": str(app.pk),
        "name": app.name,
        "client_id": app.client_id,
        "status": "active" if app.is_active else "inactive",
        "roles": sorted(role.name for role in roles),
        "scopes": sorted({scope for role in roles for scope in scope_names(role.permissions)}),
        "expires_at": iso(soonest_expiry(app)),
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


def register_cert(options: dict, out: OutputWrapper) -> None:
    app = revoking.find_application(options["client_id"])
    tls = tls_options(options)
    if tls is None:
        raise InvalidInput("Give --tls-subject, --tls-san or --tls-cert.")
    with transaction.atomic():
        clients.register_tls(app, **tls, actor=ACTOR)
    record = {"id": str(app.pk), "client_id": app.client_id, "tls_subject_dn": app.tls_subject_dn or None,
              "tls_san": app.tls_san or None, "tls_certificate_thumbprints": app.tls_certificate_thumbprints}
    if options["json"]:
        write_json(out, record)
        return
    out.write(f"Registered certificate authentication for {app.name!r} ({app.client_id}):")
    for label, value in [("subject", app.tls_subject_dn), ("SAN", app.tls_san),
                         *(("certificate x5t#S256", thumbprint) for thumbprint in app.tls_certificate_thumbprints)]:
        if value:
            out.write(f"  {label}: {value}")

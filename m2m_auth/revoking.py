"""Revocation flows. A revoked credential fails on the very next request."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import audit, feed
from .exceptions import NotFound
from .models import ApiKey, Application, PersonalAccessToken
from .models.base import SecretCredential


@transaction.atomic
def revoke(credential: SecretCredential, *, actor: str = "", reason: str = "", address: str | None = None) -> bool:
    """Revoke a key, token or client secret; False if it already was."""
    updated = type(credential).objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor[:150], revoke_reason=reason[:200]
    )
    if updated:
        credential.refresh_from_db(fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record("revoke", credential, actor=actor, address=address, reason=reason)
        feed.record_credential(credential)
    return bool(updated)


@transaction.atomic
def disable_application(
    application: Application, *, actor: str = "", reason: str = "", address: str | None = None
) -> bool:
    """Disable an application and revoke its client secrets and API keys."""
    if not application.is_active:
        return False
    Application.objects.filter(pk=application.pk).update(is_active=False, disabled_at=timezone.now())
    application.refresh_from_db(fields=["is_active", "disabled_at"])
    for credential in [*application.secrets.filter(revoked_at__isnull=True), *application.api_keys.filter(revoked_at__isnull=True)]:
        revoke(credential, actor=actor, reason=reason or "application disabled", address=address)
    audit.record("revoke", application, actor=actor, address=address, reason=reason)
    return True


def find_api_key(ident: str) -> ApiKey:
    return _find(ApiKey, ident, "API key")


def find_personal_access_token(ident: str) -> PersonalAccessToken:
    return _find(PersonalAccessToken, ident, "personal access token")


def find_application(ident: str) -> Application:
    """By client id, or by the numeric id printed by ``m2m app create``."""
    found = Application.objects.filter(client_id=ident).first()
    if found is None and ident.isdigit():
        found = Application.objects.filter(pk=int(ident)).first()
    if found is None:
        raise NotFound(f"Unknown application: {ident!r}.")
    return found


def _find(model, ident: str, label: str):
    found = model.objects.filter(public_id=ident).first()
    if found is None:
        raise NotFound(f"Unknown {label}: {ident!r}.")
    return found

"""Revocation flows. A revoked credential fails on the very next request."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import audit, feed, hashing, verification
from .exceptions import Conflict, NotFound
from .models import ApiKey, Application, ClientSecret, PersonalAccessToken
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
    """By public id, full key, or name (the key the name stands for now)."""
    return _find(ApiKey, ident, "API key", ApiKey.objects.current())


def find_personal_access_token(ident: str) -> PersonalAccessToken:
    """By public id, full token, or name (refused when several users' tokens share it)."""
    live = PersonalAccessToken.objects.filter(revoked_at=None)
    return _find(PersonalAccessToken, ident, "personal access token", live)


def find_application(ident: str) -> Application:
    """By client id, the numeric id printed by ``m2m app create``, the name, or a full client secret."""
    if hashing.kind_of(ident) is not None:
        return _by_secret(ClientSecret, ident, "application").application
    _refuse_nul(ident, "application")
    found = Application.objects.filter(client_id=ident).first()
    if found is None and ident.isdigit():
        found = Application.objects.filter(pk=int(ident)).first()
    found = found or Application.objects.filter(name=ident.strip()).first()
    if found is None:
        raise NotFound(f"Unknown application: {ident!r}.")
    return found


def _find(model, ident: str, label: str, live):
    if hashing.kind_of(ident) is not None:
        return _by_secret(model, ident, label)
    _refuse_nul(ident, label)
    found = model.objects.filter(public_id=ident).first()
    if found is not None:
        return found
    named = list(live.filter(name=ident.strip())[:2]) or list(model.objects.filter(name=ident.strip())[:1])
    if len(named) > 1:
        raise Conflict(f"More than one {label} is named {ident.strip()!r}: give its id.")
    if not named:
        raise NotFound(f"Unknown {label}: {ident!r}.")
    return named[0]


def _refuse_nul(ident: str, label: str) -> None:
    if "\x00" in ident:  # PostgreSQL refuses NUL in text; nothing holds one
        raise NotFound(f"Unknown {label}: {ident!r}.")


NOT_GENUINE = {"malformed", "unknown id", "wrong secret"}


def _by_secret(model, secret: str, label: str):
    """The credential whose full secret this is, checked as on the request path; the secret is never echoed.

    A genuine secret is found even when its credential is revoked or expired,
    so that revoking it again says so.
    """
    verdict = verification.verify(model.object_kind, secret, None, use=False)
    if verdict.reason in NOT_GENUINE:
        raise NotFound(f"Unknown {label}: the secret given matches none here.")
    return model.objects.get(public_id=verdict.public_id)

"""Writing the audit log. Records name credentials by public id, never by secret."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import inputs, shared_cache
from .addresses import client_address  # noqa: F401  (callers name it audit.client_address)
from .app_settings import app_settings
from .models import AuditEvent


def target_of(obj: models.Model) -> tuple[str, str]:
    kind = getattr(type(obj), "object_kind", type(obj)._meta.model_name)
    for attribute in ("public_id", "client_id", "identifier", "kid", "scope", "name"):
        ident = getattr(obj, attribute, None)
        if ident:
            return kind, str(ident)
    return kind, str(obj.pk)


def record(action: str, obj: models.Model, *, actor: str = "", address: str | None = None, **detail: Any) -> AuditEvent:
    kind, ident = target_of(obj)
    return AuditEvent.objects.create(
        action=action, target_kind=kind, target_id=ident, actor=actor, address=address, detail=detail
    )


def failed_authentication(kind: str, ident: str | None, address: str | None, reason: str | None) -> None:
    """Record a rejected credential (a public id) or client (a client id), at most once per interval.

    Coalesced through the cache so that a flood of bad requests cannot turn
    into a flood of database writes; the cache key is hashed, and the gate is
    per worker while the cache is down. A malformed token (no ident) is not
    recorded; an ident that is neither a public id nor a client id (a swapped
    secret, say) is recorded as "-": it may be a secret.
    """
    if ident is None:
        return
    if inputs.public_id(ident) is None and inputs.client_id(ident) is None:
        ident = "-"
    interval = app_settings.FAILED_AUTH_AUDIT_INTERVAL
    gate = inputs.cache_key("failed", kind, ident, address)
    if interval and not shared_cache.first_in(gate, interval):
        return
    AuditEvent.objects.create(
        action=AuditEvent.Action.AUTH_FAILED,
        target_kind=kind,
        target_id=ident,
        address=address,
        detail={"reason": reason or "refused"},
    )

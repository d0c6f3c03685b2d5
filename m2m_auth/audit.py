"""Writing the audit log. Records name credentials by public id, never by secret."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.db import models

from . import shared_cache
from .app_settings import app_settings
from .models import AuditEvent

logger = logging.getLogger("m2m_auth.audit")

TARGET_KINDS = {
    "ApiKey": "api_key",
    "PersonalAccessToken": "personal_access_token",
    "Application": "application",
    "ClientSecret": "client_secret",
    "ApiResource": "api_resource",
    "Role": "role",
}


def client_address(request: Any) -> str | None:
    """The peer address of a request, if it is a valid IP address."""
    return client_address_of(getattr(request, "META", {}).get("REMOTE_ADDR", ""))


def client_address_of(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def target_of(obj: models.Model) -> tuple[str, str]:
    kind = TARGET_KINDS.get(type(obj).__name__, type(obj)._meta.model_name)
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


def failed_authentication(kind: str, public_id: str, address: str | None, reason: str) -> None:
    """Record a rejected, well-formed credential, at most once per interval.

    Coalesced through the cache so that a flood of bad requests cannot turn
    into a flood of database writes; per worker while the cache is down.
    """
    logger.info("rejected %s %s from %s: %s", kind, public_id, address, reason)
    interval = app_settings.FAILED_AUTH_AUDIT_INTERVAL
    gate = f"m2m_auth:failed:{kind}:{public_id}:{address}"
    if interval and not shared_cache.first_in(gate, interval):
        return
    AuditEvent.objects.create(
        action=AuditEvent.Action.AUTH_FAILED,
        target_kind=kind,
        target_id=public_id,
        address=address,
        detail={"reason": reason},
    )

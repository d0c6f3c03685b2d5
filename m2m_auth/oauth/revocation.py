"""The jti deny-list of revoked JWT access tokens.

A revoked token is recorded in the database (durable, for introspection and
audit) and in the cache until it would have expired, so that verification
checks it without a query. The cache must be shared by all workers (Redis, or
Django's database cache) for a revocation to reach every one of them at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import feed
from ..app_settings import app_settings
from ..models import RevokedToken


def _cache_key(jti: str) -> str:
    return f"m2m_auth:revoked-jti:{jti[:128]}"


def deny(claims: dict) -> None:
    expires_at = datetime.fromtimestamp(claims["exp"], tz=dt_timezone.utc)
    remaining = (expires_at - timezone.now()).total_seconds() + app_settings.JWT_LEEWAY
    if remaining <= 0:
        return
    try:
        with transaction.atomic():
            RevokedToken.objects.create(jti=claims["jti"], client_id=claims["client_id"], expires_at=expires_at)
            feed.record_jwt(claims["jti"], expires_at + timedelta(seconds=app_settings.JWT_LEEWAY))
    except IntegrityError:
        pass  # already revoked
    caches[app_settings.CACHE].set(_cache_key(claims["jti"]), 1, timeout=int(remaining) + 1)


def is_revoked(jti: str) -> bool:
    return caches[app_settings.CACHE].get(_cache_key(jti)) is not None


def is_revoked_durably(jti: str) -> bool:
    """The database's answer, for introspection where a query is fine."""
    return RevokedToken.objects.filter(jti=jti).exists() or is_revoked(jti)

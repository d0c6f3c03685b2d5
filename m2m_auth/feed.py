"""The revocation feed: what the issuer publishes so that remote resource
servers refuse revoked credentials without asking on every request.

A delta log in the spirit of a delta CRL: every revocation of a JWT, an API
key or a PAT appends one ``RevocationEvent``; a follower asks for the events
after its cursor (``since=0`` is the full list, like a base CRL) and gets a new
cursor. The issuer keeps no state per follower, and an answer is cached per
(cursor, generation) so that any number of followers at the same cursor cost
one query; the generation moves when a revocation commits, so nothing waits
for a cache entry to expire.

Auto ids may commit out of order (two concurrent transactions on PostgreSQL),
so the cursor only moves past events older than ``SETTLE``: newer ones are
delivered again until then, which followers ignore.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from . import shared_cache
from .models import ApiKey, PersonalAccessToken, RevocationEvent

logger = logging.getLogger("m2m_auth.feed")

Kind = RevocationEvent.Kind
# A remote server caches a positive introspection answer for at most
# REMOTE_INTROSPECTION_CACHE_SECONDS (checked to be below this), so a revoked
# key's entry is needed no longer than that.
KEY_RETENTION = timedelta(hours=1)
SETTLE = timedelta(seconds=10)
PAGE = 1000
ANSWER_SECONDS = 10
GENERATION_KEY = "m2m_auth:revocation-feed:generation"
CREDENTIAL_KINDS = {ApiKey: Kind.API_KEY, PersonalAccessToken: Kind.PERSONAL_ACCESS_TOKEN}


def record_jwt(jti: str, expires_at: datetime) -> None:
    _record(Kind.JWT, jti, expires_at)


def record_credential(credential) -> None:
    """Publish a revoked API key or PAT by its public id; client secrets never leave the issuer."""
    kind = CREDENTIAL_KINDS.get(type(credential))
    if kind is not None:
        _record(kind, credential.public_id, timezone.now() + KEY_RETENTION)


def _record(kind: str, identifier: str, expires_at: datetime) -> None:
    RevocationEvent.objects.create(kind=kind, identifier=identifier, expires_at=expires_at, created_at=timezone.now())
    transaction.on_commit(_advance_generation)


def forgotten_events():
    """Events every follower may have forgotten, for ``m2m prune``."""
    return RevocationEvent.objects.filter(expires_at__lt=timezone.now() - KEY_RETENTION)


def _advance_generation() -> None:
    # Any value never used before will do: answers cached under the old one are never read again.
    if not shared_cache.set(GENERATION_KEY, time.time_ns(), None):
        logger.warning("revocation feed: the cache missed a revocation; followers see it within %s s", ANSWER_SECONDS)


def _generation() -> int | None:
    value = shared_cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        shared_cache.set(GENERATION_KEY, value, None)
    return value


def answer(since: int) -> dict:
    """The feed after ``since``: ``cursor``, ``events``, ``more``, ``reset`` and an ``etag``.

    Without its cache the feed still answers, with one query a poll.
    """
    key = f"m2m_auth:revocation-feed:{since}:{_generation()}"
    cached = shared_cache.get(key)
    if cached is None:
        cached = _compute(since)
        shared_cache.set(key, cached, ANSWER_SECONDS)
    return cached


def _compute(since: int) -> dict:
    now = timezone.now()
    rows = list(RevocationEvent.objects.filter(id__gt=since).order_by("id")[:PAGE])
    reset = since > 0 and not rows and not RevocationEvent.objects.filter(id__gte=since).exists()
    if reset:  # a cursor this issuer never gave (a restored database): start again
        return {**_compute(0), "reset": True}
    body = {
        "cursor": str(_settled_cursor(rows, since, now - SETTLE)),
        "events": [_event(row) for row in rows if row.expires_at > now],
        "more": len(rows) == PAGE,
        "reset": False,
    }
    return {**body, "etag": hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]}


def _settled_cursor(rows: list[RevocationEvent], since: int, settled_before: datetime) -> int:
    cursor = since
    for row in rows:
        if row.created_at > settled_before:
            break
        cursor = row.id
    return cursor


def _event(row: RevocationEvent) -> dict:
    name = "jti" if row.kind == Kind.JWT else "id"
    return {"type": row.kind, name: row.identifier, "exp": int(row.expires_at.timestamp())}

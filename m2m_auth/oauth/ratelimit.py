"""Limits on failed client authentication, per client id and per address.

Fixed windows counted in the configured cache, so the limits hold across all
worker processes when the cache is shared (Redis, or the database cache).
"""

from __future__ import annotations

import time

from django.core.cache import caches

from ..app_settings import app_settings


def _counters(client_id: str | None, address: str | None) -> list[tuple[str, int]]:
    window = int(time.time() // app_settings.CLIENT_AUTH_FAILURE_WINDOW)
    counters = []
    if client_id:
        counters.append((f"m2m_auth:failures:client:{client_id[:64]}:{window}", app_settings.CLIENT_AUTH_FAILURES_PER_CLIENT))
    if address:
        counters.append((f"m2m_auth:failures:address:{address}:{window}", app_settings.CLIENT_AUTH_FAILURES_PER_ADDRESS))
    return counters


def retry_after(client_id: str | None, address: str | None) -> int | None:
    """Seconds to wait when a limit is reached, else None."""
    counters = _counters(client_id, address)
    counts = caches[app_settings.CACHE].get_many([key for key, _ in counters])
    if any(counts.get(key, 0) >= limit for key, limit in counters):
        window = app_settings.CLIENT_AUTH_FAILURE_WINDOW
        return max(1, int(window - time.time() % window))
    return None


def record_failure(client_id: str | None, address: str | None) -> None:
    cache = caches[app_settings.CACHE]
    for key, _ in _counters(client_id, address):
        cache.add(key, 0, timeout=app_settings.CLIENT_AUTH_FAILURE_WINDOW * 2)
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=app_settings.CLIENT_AUTH_FAILURE_WINDOW * 2)

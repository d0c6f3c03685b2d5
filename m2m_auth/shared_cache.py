"""The configured cache (``M2M_AUTH["CACHE"]``), used so that its outage degrades.

Everything m2m_auth keeps there is an accelerator or a coalescing gate, never
the only record of anything (revocations live in the database). So while the
cache is down a read finds nothing, a write is skipped, and a gate falls back
to one kept in this process: coalescing then holds per worker instead of
across all of them, which bounds the writes it saves without losing any
answer. A database cache without its table counts as down too (and the
system check m2m_auth.W030 says to run ``createcachetable``).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import BaseCache, caches
from django.db import DatabaseError

from .app_settings import app_settings
from .outages import outage_errors, warn

DOWN = "cache unavailable, degrading"
GATES_KEPT = 10_000
_gates: dict[str, float] = {}


def cache() -> BaseCache:
    return caches[app_settings.values()["CACHE"]]


def errors() -> tuple[type[BaseException], ...]:
    """What a cache that is down raises: an outage, or a database cache's missing table."""
    return (*outage_errors(), DatabaseError)


def get(key: str, default: Any = None) -> Any:
    try:
        return cache().get(key, default)
    except errors() as error:
        warn(DOWN, error)
        return default


def set(key: str, value: Any, timeout: float | None) -> bool:  # noqa: A001  (the cache API's name)
    try:
        cache().set(key, value, timeout)
    except errors() as error:
        warn(DOWN, error)
        return False
    return True


def delete(key: str) -> bool:
    try:
        cache().delete(key)
    except errors() as error:
        warn(DOWN, error)
        return False
    return True


def first_in(key: str, seconds: float) -> bool:
    """True for the first call with this key in an interval: a coalescing gate."""
    try:
        return bool(cache().add(key, 1, timeout=seconds))
    except errors() as error:
        warn(DOWN, error)
        return _first_in_process(key, seconds)


def _first_in_process(key: str, seconds: float) -> bool:
    now = time.monotonic()
    if _gates.get(key, 0.0) > now:
        return False
    if len(_gates) >= GATES_KEPT:
        _gates.clear()
    _gates[key] = now + seconds
    return True

"""The last good answer of a database read, served while the database is down.

For documents that change rarely and that clients need during an outage: the
published signing keys (JWKS, JWT verification) and the metadata's scopes.
Each fresh read is kept in this process and in the cache without expiry; an
outage answers from the cache's copy, which the most recent reader of any
worker left there, else from this process's, else 503.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import shared_cache
from .outages import ServiceUnavailable, outage_errors, warn

REWRITE_EVERY = 60  # seconds: a cache restarted empty gets its copy back from the next reader
_process: dict[str, Any] = {}
_written_at: dict[str, float] = {}


def _key(name: str) -> str:
    return f"m2m_auth:last-good:{name}"


def read(name: str, query: Callable[[], Any]) -> Any:
    try:
        value = query()
    except outage_errors() as error:
        return _remembered(name, error)
    now = time.monotonic()
    if _process.get(name) != value or now - _written_at.get(name, -REWRITE_EVERY) >= REWRITE_EVERY:
        _process[name], _written_at[name] = value, now
        shared_cache.set(_key(name), value, None)
    return value


def _remembered(name: str, error: BaseException) -> Any:
    value = shared_cache.get(_key(name))
    if value is None:
        value = _process.get(name)
    if value is None:
        raise ServiceUnavailable() from error
    warn(f"database unavailable, serving the last good {name}", error)
    return value

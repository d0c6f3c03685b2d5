"""A value built from the database, shared through the cache, valid under one freshness stamp.

Each worker remembers its own copy (a ``freshness.Memo``); when the stamp
moves, the first worker to need the value builds it (one query) and leaves it
in the cache tagged with the stamp it read *before* the query, so the others
take it from there. A copy tagged with another stamp, or older than
``freshness.MAX_AGE``, is not taken: the stamp is replaced only after a change
commits, so a copy built from rows older than the change carries the stamp of
before. While the database is down, the copy of the current stamp answers
however old: nothing can change without the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

from . import freshness, shared_cache
from .outages import outage_errors, warn


class Copy(NamedTuple):
    stamp: Any
    value: Any
    built_at: float

    def fresh(self) -> bool:
        return time.time() - self.built_at < freshness.MAX_AGE

    @classmethod
    def stored(cls, entry: Any) -> Copy | None:
        # Stored as a plain tuple: any version of this code can read the entry, and ignore what it does not know.
        return cls(*entry) if isinstance(entry, tuple) and len(entry) == len(cls._fields) else None


class StampedCopy:
    """One shared value, ``get(stamp)``: ``build`` returns it (never None) or raises; each worker
    remembers ``shape(value)`` (what the request path uses, which need not survive pickling)."""

    def __init__(self, cache_key: str, build: Callable[[], Any], shape: Callable[[Any], Any] = lambda value: value):
        self.cache_key, self.build, self.shape = cache_key, build, shape
        self.memo: freshness.Memo = freshness.memo()

    def get(self, stamp: Any) -> Any:
        value = self.memo.get(self.cache_key, stamp)
        if value is not None:
            return value
        stored = Copy.stored(shared_cache.get(self.cache_key))
        theirs = stored if stored is not None and stored.stamp == stamp else None
        if theirs is None or not theirs.fresh():
            return self._built(stamp, theirs)
        return self._remembered(stamp, theirs.value)

    def _built(self, stamp: Any, stale: Copy | None) -> Any:
        try:
            value = self.build()
        except outage_errors() as error:
            if stale is None:
                raise
            warn(f"database unavailable, answering from the last {self.cache_key} copy", error)
            return self.shape(stale.value)
        shared_cache.set(self.cache_key, (stamp, value, time.time()), None)
        return self._remembered(stamp, value)

    def _remembered(self, stamp: Any, value: Any) -> Any:
        shaped = self.shape(value)
        self.memo.put(self.cache_key, stamp, shaped)
        return shaped

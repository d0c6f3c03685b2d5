"""One stamp in the shared cache that says whether what a worker remembers is still true.

Workers remember what the request path needs (a credential and its scopes, a
client, the deny-list, the signing keys) in a ``Memo``. Every change to any of
it, committed in the database, replaces the stamp with a new random value;
every request reads the stamp and uses a memory only if it was built under
the current stamp. With Redis that read is no round trip while the stamp
holds: Redis tells the reader when it changes (``stamp_reader.py``); with
another shared cache it is one cache read. So a revocation, a role change or a
disabled application is refused on the very next request, on every worker
that shares the cache, without a database query on the request path.

Why these rules:

- The stamp is read *before* the database, and a memory is tagged with that
  stamp: a memory built from rows older than a change carries the stamp of
  before the change, and the change replaces the stamp only after its commit.
- The stamp is random, not a counter: a cache that restarts empty, is flushed
  or evicts it gets a new one, which matches no memory.
- A worker that cannot read the stamp forgets everything it remembers and
  answers from the database; a memory also ages out after ``MAX_AGE``. That
  bounds how long a change made while the cache was unreachable to its writer
  can go unseen by a worker that still reaches the cache.
- A process-local cache (locmem, dummy) is not shared: a change made in one
  worker would not reach the others, so nothing is remembered with it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import models, transaction

from . import shared_cache
from . import stamp_reader
from .stamp_reader import RedisStampReader
from .outages import warn

logger = logging.getLogger("m2m_auth.freshness")

STAMP_KEY = "m2m_auth:stamp"
MAX_AGE = 60.0
MAX_ENTRIES = 10_000

# Fields the request path itself writes (last-used coalescing): they change no decision.
QUIET_FIELDS = frozenset({"last_used_at", "last_used_from", "recent_usage"})

_Value = TypeVar("_Value")


def current() -> Any:
    """The stamp now: an opaque value, None if the cache is not shared. Raises on a cache outage."""
    cache = shared_cache.cache()
    if is_process_local(cache):
        return None
    stamp = read(cache)
    if stamp is None:
        cache.add(STAMP_KEY, secrets.token_hex(8), None)
        stamp = read(cache, again=True)
    return stamp


def is_process_local(cache: Any) -> bool:
    """A cache each worker has its own of: a change made in one worker would not reach the others."""
    return isinstance(cache, (LocMemCache, DummyCache))


def read(cache: Any, *, again: bool = False) -> Any:
    """The stamp as stored, or None if there is none yet. Raises on a cache outage.

    ``again``: from the cache itself, whatever this thread's reader holds (after this thread wrote it).
    """
    # Django's Redis backend, read without its layer (stamp_reader.py): the stamp
    # is compared, never decoded, so its stored bytes serve as well as its value.
    this_thread = reader(cache)
    if again:
        getattr(this_thread, "read_again", _nothing)()
    return this_thread()


def reader(cache: Any) -> Callable[[], Any]:
    """This cache object's stamp reader (with Redis, the ``RedisStampReader`` that also holds other keys)."""
    found = cache.__dict__.get("_m2m_auth_stamp_reader")
    if found is None:
        found = cache._m2m_auth_stamp_reader = _stamp_reader(cache)
    return found


def _nothing() -> None:
    return None


def _stamp_reader(cache: Any) -> Callable[[], Any]:
    """A function reading the stamp, built once per cache object (one per thread in Django)."""
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:
        return lambda: cache.get(STAMP_KEY)
    # the primary (write=True): a replica's lag would hide a change, or a rate limit's failure
    return RedisStampReader(client_of(write=True).connection_pool, cache.make_and_validate_key(STAMP_KEY))


def changed() -> None:
    """Something the request path remembers changed: now, and again once committed."""
    _replace()
    transaction.on_commit(_replace)


def _replace() -> None:
    if shared_cache.set(STAMP_KEY, secrets.token_hex(8), None):
        cache = shared_cache.cache()
        stamp_reader.after_write(cache)
        # this thread's next read asks Redis, not waiting for the invalidation to arrive
        getattr(cache.__dict__.get("_m2m_auth_stamp_reader"), "read_again", _nothing)()
    else:
        logger.error("a change is in the database but the cache could not be told; workers see it within "
                     "%s seconds, or as soon as they miss the cache", int(MAX_AGE))


class Memo(Generic[_Value]):
    """What one worker remembers, by key, each entry valid under one stamp for ``MAX_AGE``."""

    def __init__(self) -> None:
        self._entries: dict[Any, tuple[Any, float, _Value]] = {}

    def get(self, key: Any, stamp: Any) -> _Value | None:
        entry = self._entries.get(key)
        if entry is None or stamp is None:
            return None
        built_under, built_at, value = entry
        if built_under != stamp or time.monotonic() - built_at > MAX_AGE:
            return None
        return value

    def recall(self, key: Any, stamp: Any, load: Callable[[], _Value]) -> _Value:
        """The remembered value, else ``load()``, remembered under ``stamp`` (None values are not)."""
        value = self.get(key, stamp)
        if value is None:
            value = load()
            if value is not None:
                self.put(key, stamp, value)
        return value

    def put(self, key: Any, stamp: Any, value: _Value) -> None:
        if stamp is None:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (stamp, time.monotonic(), value)

    def forget(self) -> None:
        self._entries.clear()


_memos: list[Memo] = []


def memo() -> Memo:
    """A new memo, forgotten with all the others when the stamp cannot be read."""
    new: Memo = Memo()
    _memos.append(new)
    return new


def stamp_or_forget() -> Any:
    """The stamp; on a cache outage, None after forgetting every memo (the caller goes to the database)."""
    try:
        return current()
    except shared_cache.errors() as error:
        warn(shared_cache.DOWN, error)
        forget_all()
        return None


def forget_all() -> None:
    """What a freshly started worker remembers: nothing."""
    for each in _memos:
        each.forget()


class StampedQuerySet(models.QuerySet):
    """Bulk changes replace the stamp too, unless they touch only last-used fields."""

    def update(self, **kwargs: Any) -> int:
        rows = super().update(**kwargs)
        if rows and not QUIET_FIELDS.issuperset(kwargs):
            changed()
        return rows

    def delete(self):
        result = super().delete()
        if result[0]:
            changed()
        return result

    def bulk_update(self, objs: Iterable, fields: Iterable[str], *args: Any, **kwargs: Any) -> int:
        fields = list(fields)
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows and not QUIET_FIELDS.issuperset(fields):
            changed()
        return rows


def watch(*watched: type[models.Model]) -> None:
    """Replace the stamp whenever a saved, deleted or re-linked row of these models is committed."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in watched:
        post_save.connect(_saved, sender=model, dispatch_uid=f"m2m_auth.freshness.{model._meta.label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"m2m_auth.freshness.del.{model._meta.label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(_relinked, sender=field.remote_field.through,
                                dispatch_uid=f"m2m_auth.freshness.m2m.{model._meta.label}.{field.name}")


# A login writes last_login: it changes nothing the request path remembers.
IGNORED_UPDATES = QUIET_FIELDS | {"last_login"}


def _saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is None or not IGNORED_UPDATES.issuperset(update_fields):
        changed()


def _deleted(sender, **kwargs) -> None:
    changed()


def _relinked(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        changed()

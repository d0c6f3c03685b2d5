"""Limits on failed client authentication that cannot be raced or turned against a client.

Two limits, each over a sliding window of ``CLIENT_AUTH_FAILURE_WINDOW`` seconds:
``CLIENT_AUTH_FAILURES_PER_CLIENT`` per client id *and* address, so that a third
party elsewhere cannot use up a client's allowance (client ids are public), and
the wider ``CLIENT_AUTH_FAILURES_PER_ADDRESS`` per address, against spraying
many client ids. IPv6 addresses count per /64, the block one host usually holds.

A limit of N is N slots in the cache. Before verifying, a request takes one
free slot of each limit with ``cache.add``, which is atomic in Redis, Memcached,
the database cache and the local-memory cache; success gives the slots back,
failure keeps them until they expire. A request that finds no free slot is
refused without being verified, so N concurrent failures never get more than
the limit verified. A slot's value is its expiry time, which gives Retry-After.
With Django's Redis cache the same slots live in one sorted set per limit, and
taking them is one script call instead of a read and an add per limit
(``redis_window.py``), which also reads the freshness stamp for the token
request that follows. Key names are hashes: a client id may be a secret
pasted into the wrong field.

On Redis, while no failure is on record, a success sends Redis nothing. When
every limit's window is known empty (``RedisWindows.known_empty``: held by the
thread's tracked reader, which Redis tells of every write to a window), the
secret is verified first; a success answers at once, and a failure takes its
slots then, answering 429 if a limit is full (another worker's failures in the
meantime) and 401 otherwise, keeping them. Whenever a window is not known
empty (failures on record, first sight of this client or address, tracking
unavailable, another cache, the cache down) the slots are taken first, as
above. Why this keeps the limits:

- A correct secret is still refused once failures fill a window: its windows
  are then not empty, so it takes its slots first and finds none.
- At most N wrong guesses per window are answered 401: a failure verified
  first is answered only after taking a slot, 429 when there is none.
- What is new is one race: a correct guess verified while the very first
  failures of an empty window are being recorded elsewhere, before Redis's
  invalidation reaches this worker. Redis writes that invalidation in the same
  pass as its reply to the writer, so the window is microseconds wide (unless
  Redis is descheduled between the two writes), and it can only
  let through a guess of a secret with more than 160 random bits; from the
  next request on, every worker takes its slots first.

Without a working cache (``shared_cache.errors()``: down, or a database cache
without its table) the limits are kept per process, with a warning at most every
few seconds: weaker across workers, but a cache outage never turns a request
into a 500 and never stops client authentication.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache

from .. import freshness, inputs, shared_cache
from ..app_settings import app_settings
from ..outages import warn
from . import redis_window, remembered

PER_PROCESS = "rate limit cache unavailable, limiting per process"
FALLBACK = LocMemCache("m2m_auth.ratelimit", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


@dataclass
class Attempt:
    """One client authentication under the limits; ``retry_after`` is set when refused.

    ``take_late``: the slots were not taken before verifying (every window empty), and are taken by ``fail()``.
    """

    release: Callable[[list[str]], None]
    slots: list[str] = field(default_factory=list)
    retry_after: int | None = None
    failed: bool = False
    take_late: Callable[[], Attempt] | None = None

    def fail(self) -> int | None:
        """Keep the slots: the failure counts until they expire. Returns the Retry-After when the failure
        found a limit full (answer 429, not 401)."""
        self.failed = True
        if self.take_late is not None:
            taken, self.take_late = self.take_late(), None
            self.release, self.slots, self.retry_after = taken.release, taken.slots, taken.retry_after
        return self.retry_after

    def give_back(self) -> None:
        if not self.slots:
            return
        try:
            self.release(self.slots)
        except shared_cache.errors() as error:  # the slots expire by themselves
            warn(PER_PROCESS, error)
        self.slots = []


@contextmanager
def limited(client_id: str | None, address: str | None) -> Iterator[Attempt]:
    """Take a slot of each limit for one authentication; given back unless ``fail()`` is called."""
    attempt = reserve(client_id, address)
    try:
        yield attempt
    finally:
        if not attempt.failed:
            attempt.give_back()


def reserve(client_id: str | None, address: str | None) -> Attempt:
    limits = _limits(client_id, address)
    return _or_per_process(lambda: _reserve(limits), limits)


def _reserve(limits: list[tuple[str, int]]) -> Attempt:
    cache = shared_cache.cache()
    windows = redis_window.of(cache)
    if windows is None:
        return _take_slots(cache, limits)
    if windows.known_empty([name for name, _ in limits], freshness.reader(cache)):
        return Attempt(_nothing_taken, take_late=lambda: _or_per_process(lambda: _take_window(windows, limits), limits))
    return _take_window(windows, limits)


def _or_per_process(take: Callable[[], Attempt], limits: list[tuple[str, int]]) -> Attempt:
    """``take()``, or the slots kept in this process if the cache is down."""
    try:
        return take()
    except shared_cache.errors() as error:
        warn(PER_PROCESS, error)
        return _take_slots(FALLBACK, limits)


def _nothing_taken(slots: list[str]) -> None:
    return None


def _limits(client_id: str | None, address: str | None) -> list[tuple[str, int]]:
    values = app_settings.values()
    address_key, client_key = _names(client_id, address)
    limits = [(address_key, values["CLIENT_AUTH_FAILURES_PER_ADDRESS"])]
    if client_key:
        limits.append((client_key, values["CLIENT_AUTH_FAILURES_PER_CLIENT"]))
    return [(prefix, int(limit)) for prefix, limit in limits if limit]


@lru_cache(maxsize=4096)
def _names(client_id: str | None, address: str | None) -> tuple[str, str | None]:
    """The limits' key names for a client id and an address (hashes: computed once per pair)."""
    source = _address_block(address)
    per_client = inputs.cache_key("rl:client", client_id, source) if client_id else None
    return inputs.cache_key("rl:address", source), per_client


def _take_window(windows: redis_window.RedisWindows, limits: list[tuple[str, int]]) -> Attempt:
    taken = windows.take(limits, time.time(), app_settings.CLIENT_AUTH_FAILURE_WINDOW, freshness.STAMP_KEY)
    remembered.stamp_read(taken.read)
    if taken.wait:
        return Attempt(_nothing_taken, retry_after=taken.wait)
    return Attempt(lambda keys: windows.give_back(keys, taken.slot), taken.keys)


def _take_slots(cache: BaseCache, limits: list[tuple[str, int]]) -> Attempt:
    now, window = time.time(), app_settings.CLIENT_AUTH_FAILURE_WINDOW
    names = [[f"{prefix}:{slot}" for slot in range(limit)] for prefix, limit in limits]
    taken = cache.get_many([name for slots in names for name in slots])
    attempt = Attempt(cache.delete_many)
    for slots in names:
        slot = _take_one(cache, [name for name in slots if name not in taken], now + window, window)
        if slot is None:
            attempt.give_back()
            attempt.retry_after = _wait(taken, slots, now)
            return attempt
        attempt.slots.append(slot)
    return attempt


def _take_one(cache: BaseCache, free: list[str], expires: float, window: int) -> str | None:
    for name in free:
        if cache.add(name, expires, timeout=window):
            return name
    return None


def _wait(taken: dict, slots: list[str], now: float) -> int:
    """Seconds until the first slot of a full limit frees up."""
    expiries = [taken[name] for name in slots if isinstance(taken.get(name), (int, float))]
    return max(1, math.ceil(min(expiries, default=now) - now))


def _address_block(address: str | None) -> str:
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else str(parsed)

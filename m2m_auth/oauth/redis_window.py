"""The rate limits' sliding windows in Redis: one round trip per attempt, over a connection of their own.

Each limit is a sorted set of taken slots scored by their expiry time. The
script drops expired slots, refuses with the wait until the first one expires
if any limit is full, else adds this attempt's slot to every limit; Redis runs
it atomically, so concurrent attempts never take more slots than a limit has.
The same call reads one more key as it is stored (the freshness stamp, which
a token request needs next).

Giving the slots back (a successful authentication, one short script) is
written to the connection without waiting for the reply: Redis applies it
in order, before anything this connection sends later, and its reply is read
along with the next attempt's. A success thus costs no second round trip, and a slot is held
only while its authentication runs. If the give-back is lost (the connection
breaks), the slots expire with the window, as a failure's do.

The connection is the windows' alone (one per cache object, so per thread),
made anew in a forked worker: redis-py's pool would hand it to another
command with replies still unread.

Whether every window of an attempt is empty is read with EXISTS through the
thread's tracked reader (``stamp_reader.py``), which holds the answer until
Redis says a window was written, so ``known_empty`` costs no round trip while
no failure is on record. A window found busy is taken for busy for
``RECHECK`` seconds without asking again: a stale "busy" only costs today's
flow, never a missed failure.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from ..stamp_reader import RECHECK

TAKE = """
local now, window, slot = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local read = redis.call('GET', KEYS[#KEYS])
for i = 1, #KEYS - 1 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[3 + i]) then
    local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {math.max(1, math.ceil(tonumber(first[2]) - now)), read}
  end
end
for i = 1, #KEYS - 1 do
  redis.call('ZADD', KEYS[i], now + window, slot)
  redis.call('EXPIRE', KEYS[i], window + 1)
end
return {0, read}
"""
# Sent whole (EVAL, not EVALSHA): an unawaited call must not meet a server that forgot the script.
GIVE_BACK = "for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end"
MAX_KEYS = 10_000
TAKE_SHA = hashlib.sha1(TAKE.encode()).hexdigest()  # noqa: S324 (Redis names scripts by their SHA-1)


@dataclass(frozen=True)
class Taken:
    """``wait``: seconds until a full limit frees a slot (None: taken); ``read``: the extra key's stored bytes."""

    wait: int | None
    keys: list[str]
    slot: str
    read: bytes | None


class RedisWindows:
    """The limits kept in the Redis server behind one Django ``RedisCache``."""

    def __init__(self, cache: Any) -> None:
        from redis import exceptions  # the redis package is needed only with Django's Redis cache

        self.errors = exceptions
        self.cache = cache
        self.pool = cache._cache.get_client(write=True).connection_pool
        self.connection: Any = None
        self.pid = 0
        self.unread = 0  # replies of give-backs sent and not read yet
        self.keys: dict[str, str] = {}
        self.busy: dict[str, float] = {}  # key -> until when it is taken for non-empty
        self.reader: Any = None

    def known_empty(self, names: list[str], reader: Any) -> bool:
        """Whether the windows of these limits are all empty, as held by ``reader`` (a ``TrackedReader``
        of this Redis); False when that is not known: tracking refused, or a window busy lately."""
        self.reader = reader  # told of this thread's own takes at once, not when their invalidation arrives
        if not reader.tracking:
            return False
        keys, now = [self._key(name) for name in names], time.monotonic()
        if any(self.busy.get(key, 0.0) > now for key in keys):
            return False
        busy = [key for key, exists in zip(keys, reader.read("EXISTS", keys)) if exists]
        if len(self.busy) + len(busy) > MAX_KEYS:
            self.busy.clear()
        self.busy.update((key, now + RECHECK) for key in busy)
        return not busy

    def take(self, limits: list[tuple[str, int]], now: float, window: int, read: str) -> Taken:
        """A slot of every limit (name, size), and the raw value of the cache key ``read``."""
        keys = [self._key(name) for name, _ in limits]
        slot = secrets.token_hex(8)
        arguments = [len(keys) + 1, *keys, self._key(read), now, window, slot, *(limit for _, limit in limits)]
        try:
            wait, value = self._run(arguments)
        except self.errors.ConnectionError:  # a connection the server closed (say, it restarted): one more try, anew
            wait, value = self._run(arguments)
        for key in keys if self.reader is not None else ():
            self.reader.read_again(key)
        return Taken(int(wait) or None, keys, slot, value)

    def give_back(self, keys: list[str], slot: str) -> None:
        """Sent, not awaited: the replies are read with the next ``take``."""
        connection = self._connection()
        command = packed("EVAL", GIVE_BACK, len(keys), *keys, slot)
        self._guarded(lambda: connection.send_packed_command([command], check_health=False))
        self.unread += 1

    def _run(self, arguments: list) -> Any:
        connection = self._connection()

        def run() -> Any:
            connection.send_packed_command([packed("EVALSHA", TAKE_SHA, *arguments)], check_health=False)
            self._read_unread()
            try:
                return connection.read_response()
            except self.errors.NoScriptError:
                connection.send_packed_command([packed("EVAL", TAKE, *arguments)], check_health=False)
                return connection.read_response()

        return self._guarded(run)

    def _read_unread(self) -> None:
        while self.unread:
            self.unread -= 1
            try:
                self.connection.read_response()
            except self.errors.ResponseError:  # a key of another type: nothing to give back there
                pass

    def _guarded(self, call: Any) -> Any:
        """``call()``; on any error the connection is dropped, so that no reply is left unread on it."""
        try:
            return call()
        except BaseException:
            self.connection.disconnect()
            self.unread = 0
            raise

    def _key(self, name: str) -> str:
        """The cache's key for a name (its prefix and version), remembered: Django validates every key
        character by character."""
        key = self.keys.get(name)
        if key is None:
            if len(self.keys) >= MAX_KEYS:
                self.keys.clear()
            key = self.keys[name] = self.cache.make_and_validate_key(name)
        return key

    def _connection(self) -> Any:
        if self.connection is None or self.pid != os.getpid():
            self.connection, self.pid, self.unread = self.pool.make_connection(), os.getpid(), 0
        return self.connection


def packed(*parts: object) -> bytes:
    """One command in the Redis protocol, as redis-py packs it, without its encoder's per-argument calls."""
    encoded = [part if isinstance(part, bytes) else str(part).encode() for part in parts]
    return b"*%d\r\n%s" % (len(encoded), b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded))


def of(cache: Any) -> RedisWindows | None:
    """The Redis windows of a Django Redis cache (built once per cache object), else None."""
    if getattr(getattr(cache, "_cache", None), "get_client", None) is None:
        return None
    windows = cache.__dict__.get("_m2m_auth_windows")
    if windows is None:
        windows = cache._m2m_auth_windows = RedisWindows(cache)
    return windows

"""The rate limits' sliding windows in Redis: taking a slot of every limit is one script call.

Each limit is a sorted set of taken slots scored by their expiry time. The
script drops expired slots, refuses with the wait until the first one expires
if any limit is full, else adds this attempt's slot to every limit; Redis runs
it atomically, so concurrent attempts never take more slots than a limit has.
Giving the slots back (a successful authentication) is one more pipelined call.

The same call reads one more key as it is stored (the freshness stamp, which
a token request needs next): one round trip for both.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

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
        self.cache = cache
        self.client = cache._cache.get_client(write=True)  # holds its connection pool
        self.script = self.client.register_script(TAKE)

    def take(self, limits: list[tuple[str, int]], now: float, window: int, read: str) -> Taken:
        """A slot of every limit (name, size), and the raw value of the cache key ``read``."""
        keys = [self.cache.make_and_validate_key(name) for name, _ in limits]
        slot = secrets.token_hex(8)
        wait, value = self.script(keys=[*keys, self.cache.make_and_validate_key(read)],
                                  args=[now, window, slot, *(limit for _, limit in limits)])
        return Taken(int(wait) or None, keys, slot, value)

    def give_back(self, keys: list[str], slot: str) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for key in keys:
            pipeline.zrem(key, slot)
        pipeline.execute()


def of(cache: Any) -> RedisWindows | None:
    """The Redis windows of a Django Redis cache (built once per cache object), else None."""
    if getattr(getattr(cache, "_cache", None), "get_client", None) is None:
        return None
    windows = cache.__dict__.get("_m2m_auth_windows")
    if windows is None:
        windows = cache._m2m_auth_windows = RedisWindows(cache)
    return windows

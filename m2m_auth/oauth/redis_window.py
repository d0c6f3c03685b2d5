"""The rate limits' sliding windows in Redis: taking a slot of every limit is one script call.

Each limit is a sorted set of taken slots scored by their expiry time. The
script drops expired slots, refuses with the wait until the first one expires
if any limit is full, else adds this attempt's slot to every limit; Redis runs
it atomically, so concurrent attempts never take more slots than a limit has.
Giving the slots back (a successful authentication) is one more pipelined call.
"""

from __future__ import annotations

import secrets
from typing import Any

TAKE = """
local now, window, slot = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return math.max(1, math.ceil(tonumber(first[2]) - now))
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + window, slot)
  redis.call('EXPIRE', key, window + 1)
end
return 0
"""


class RedisWindows:
    """The limits kept in the Redis server behind one Django ``RedisCache``."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self.client = cache._cache.get_client(write=True)  # holds its connection pool
        self.script = self.client.register_script(TAKE)

    def take(self, limits: list[tuple[str, int]], now: float, window: int) -> tuple[int | None, list[str], str]:
        """(seconds to wait or None, the limits' keys, this attempt's slot)."""
        keys = [self.cache.make_and_validate_key(name) for name, _ in limits]
        slot = secrets.token_hex(8)
        wait = self.script(keys=keys, args=[now, window, slot, *(limit for _, limit in limits)]) if keys else 0
        return (int(wait) or None), keys, slot

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

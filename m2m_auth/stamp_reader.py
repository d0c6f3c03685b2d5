"""Keys read from Redis with no round trip while they hold: the freshness stamp, the rate limits' windows.

A reader keeps two connections of its own. One reads with Redis's client-side
tracking on (``CLIENT TRACKING ON REDIRECT``); the other is subscribed to
``__redis__:invalidate``, where Redis names the keys that connection read and
that were since written, deleted, evicted or expired (or says nothing but
"flushed"). The reader holds each key's value until a message names it; a
flush, or a connection that broke, drops them all. So checking a held key
costs one poll of a local socket.

Why no change slips through: Redis writes the invalidations a write causes in
the same pass of its event loop as its reply to the writer, the reply first
(a poll straight after a SET's reply missed it 8 % of the time here). So the
writer (``after_write``, which ``freshness.changed`` calls on commit, before
any response) sends one PING after its SET: Redis answers it only in a later
pass, so once the writer has that answer every invalidation is on its
subscriber's socket, and a request that follows the change finds it waiting.

A Redis that refuses tracking (before 6.0, or a proxy without the command) is
read every time, as is a reader whose subscription broke. Each key is also
read anew at least every ``RECHECK`` seconds, so a subscription that died
without a word (a silent network partition) costs at most that. A reading
connection the server closed (which ends its tracking while the subscription
lives on) is seen by the same poll that watches for invalidations.
"""

from __future__ import annotations

import os
import select
import time
from typing import Any

RECHECK = 1.0
CHANNEL = "__redis__:invalidate"
MAX_HELD = 10_000


def after_write(cache: Any) -> None:
    """Once this returns, Redis has sent every reader the word of the write just acknowledged."""
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:
        return
    from redis.exceptions import RedisError

    try:
        client_of(write=True).ping()
    except (RedisError, OSError):  # the readers still read anew within RECHECK seconds
        pass


class TrackedReader:
    """Reads keys through a redis-py connection pool; one reader per thread (per Django cache object)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.tracking = True  # until the server refuses it
        self.pid = os.getpid()
        self.data: Any = None
        self.invalidations: Any = None
        self.watch: Any = None  # a poll object over both connections' sockets
        self.values: dict[str, tuple[Any, float]] = {}  # key -> (the reply, when it was read)

    def read(self, command: str, keys: list[str]) -> list[Any]:
        """``command key`` for each key (a read: GET, EXISTS...): held replies, the others in one round trip."""
        if self.pid != os.getpid():  # a forked worker: the parent's sockets are not ours to read
            self.pid = os.getpid()
            self._forget()
        from redis.exceptions import ConnectionError as Broken

        try:
            return self._read(command, keys)
        except Broken:  # the server closed our connections (say, it restarted): once more, anew
            self._disconnect()
        except BaseException:
            self._disconnect()
            raise
        try:
            return self._read(command, keys)
        except BaseException:
            self._disconnect()
            raise

    def read_again(self, key: str) -> None:
        """The next read of ``key`` asks Redis (this thread has just written it)."""
        self.values.pop(key, None)

    def _read(self, command: str, keys: list[str]) -> list[Any]:
        self._drop_invalidated()
        now = time.monotonic()
        missing = [key for key in keys if key not in self.values or now - self.values[key][1] > RECHECK]
        if missing:
            if self.data is None:
                self._connect()
            for key in missing:
                self.data.send_command(command, key)
            fresh = {key: self.data.read_response() for key in missing}
            if self.invalidations is not None:
                if len(self.values) + len(fresh) > MAX_HELD:
                    self.values.clear()
                self.values.update((key, (value, now)) for key, value in fresh.items())
            return [fresh[key] if key in fresh else self.values[key][0] for key in keys]
        return [self.values[key][0] for key in keys]

    def _drop_invalidated(self) -> None:
        if self.invalidations is None or (self.watch is not None and not self.watch.poll(0)):
            return
        if self.data.can_read(timeout=0):  # the server closed it (ending its tracking), or sent what we never asked
            from redis.exceptions import ConnectionError as Broken

            raise Broken("the tracked connection has something unasked to say")
        while self.invalidations.can_read(timeout=0):
            message = self.invalidations.read_response()
            named = message[2] if isinstance(message, list) and len(message) == 3 else None
            if not isinstance(named, list):  # a flush, or a message we do not know: nothing holds
                self.values.clear()
                continue
            for key in named:
                self.values.pop(key.decode() if isinstance(key, bytes) else key, None)

    def _connect(self) -> None:
        from redis.exceptions import ResponseError

        self.data = self._new_connection()
        if not self.tracking:
            return
        invalidations = self._new_connection()
        invalidations.send_command("CLIENT", "ID")
        client_id = invalidations.read_response()
        invalidations.send_command("SUBSCRIBE", CHANNEL)
        invalidations.read_response()
        try:
            self.data.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", client_id)
            self.data.read_response()
        except ResponseError:
            invalidations.disconnect()
            self.tracking = False
            return
        self.invalidations = invalidations
        if hasattr(select, "poll"):  # both sockets in one call: the check a held key costs
            self.watch = select.poll()
            for connection in (self.data, invalidations):
                self.watch.register(connection._sock, select.POLLIN)

    def _new_connection(self) -> Any:
        # RESP2 whatever the pool speaks: invalidations then come as messages on
        # a subscribed connection of their own, never mixed into a read's reply.
        # (redis-py 8's maintenance notifications need RESP3: they stay with the pool's own connections)
        options = {name: value for name, value in self.pool.connection_kwargs.items()
                   if not name.startswith("maint_notifications")}
        return self.pool.connection_class(**{**options, "protocol": 2})

    def _disconnect(self) -> None:
        for connection in (self.data, self.invalidations):
            if connection is not None:
                connection.disconnect()
        self._forget()

    def _forget(self) -> None:
        self.data = self.invalidations = self.watch = None
        self.values = {}


class RedisStampReader(TrackedReader):
    """The tracked reader that also reads the freshness stamp: ``reader()`` is the stamp as stored."""

    def __init__(self, pool: Any, key: str) -> None:
        super().__init__(pool)
        self.key = key

    def __call__(self) -> Any:
        # The request path's one cache read: a held stamp with nothing waiting on the sockets is the answer.
        held = self.values.get(self.key)
        if (held is not None and self.watch is not None and self.pid == os.getpid() and not self.watch.poll(0)
                and time.monotonic() - held[1] <= RECHECK):
            return held[0]
        return self.read("GET", [self.key])[0]

    @property
    def held(self) -> bool:
        return self.key in self.values

    def read_again(self, key: str | None = None) -> None:
        super().read_again(key or self.key)

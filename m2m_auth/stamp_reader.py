"""The freshness stamp read from Redis with no round trip while it holds.

A reader keeps two connections of its own. One reads the stamp with Redis's
client-side tracking on (``CLIENT TRACKING ON REDIRECT``); the other is
subscribed to ``__redis__:invalidate``, where Redis says that a key that
connection read was written, deleted, flushed, evicted or expired. While that
subscription has nothing to say, the stamp last read is still the stamp, and
checking it costs one poll of a local socket.

Why no change slips through: Redis writes the invalidations a SET causes in
the same pass of its event loop as the reply to that SET, though not
necessarily before it. So the writer (``after_write``, which
``freshness.changed`` calls on commit, before any response) sends one PING
after its SET: Redis answers it only in a later pass, so once the writer has
that answer every invalidation has been written to its subscriber's socket,
and a request that follows the change finds it waiting.

A Redis that refuses tracking (before 6.0, or a proxy without the command) is
read with a GET every time, as is a reader whose subscription broke. The stamp
is also read anew at least every ``RECHECK`` seconds, so a subscription that
died without a word (a silent network partition) costs at most that.
"""

from __future__ import annotations

import os
import time
from typing import Any

RECHECK = 1.0
CHANNEL = "__redis__:invalidate"


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


class RedisStampReader:
    """Reads one key through a redis-py connection pool; one reader per thread (per Django cache object)."""

    def __init__(self, pool: Any, key: str) -> None:
        self.pool, self.key = pool, key
        self.tracking = True  # until the server refuses it
        self.pid = os.getpid()
        self.data: Any = None
        self.invalidations: Any = None
        self.held, self.value, self.read_at = False, None, 0.0

    def __call__(self) -> Any:
        if self.pid != os.getpid():  # a forked worker: the parent's sockets are not ours to read
            self.pid = os.getpid()
            self._forget()
        from redis.exceptions import ConnectionError as Broken

        try:
            return self._stamp()
        except Broken:  # the server closed our connections (say, it restarted): once more, anew
            self._disconnect()
        except BaseException:
            self._disconnect()
            raise
        try:
            return self._stamp()
        except BaseException:
            self._disconnect()
            raise

    def read_again(self) -> None:
        """The next call asks Redis (this thread has just written the stamp)."""
        self.held = False

    def _stamp(self) -> Any:
        if self.held and self._still_holds():
            return self.value
        if self.data is None:
            self._connect()
        self.data.send_command("GET", self.key)
        self.value = self.data.read_response()
        self.held, self.read_at = self.invalidations is not None, time.monotonic()
        return self.value

    def _still_holds(self) -> bool:
        if time.monotonic() - self.read_at > RECHECK:
            return False
        # Either connection readable: a word on the subscription, or the server
        # closed the reading one (an idle timeout), which would end its tracking.
        if not self.invalidations.can_read(timeout=0) and not self.data.can_read(timeout=0):
            return True
        if self.data.can_read(timeout=0):  # a tracked connection never has anything unasked to say
            raise self._broken_error()
        while self.invalidations.can_read(timeout=0):  # whatever it says, the stamp is read again
            self.invalidations.read_response()
        return False

    @staticmethod
    def _broken_error() -> BaseException:
        from redis.exceptions import ConnectionError as Broken

        return Broken("the stamp's tracked connection has unasked-for data")

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

    def _new_connection(self) -> Any:
        # RESP2 whatever the pool speaks: invalidations then come as messages on
        # a subscribed connection of their own, never mixed into a GET's reply.
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
        self.data = self.invalidations = None
        self.held, self.value, self.read_at = False, None, 0.0

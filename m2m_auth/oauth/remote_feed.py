"""A remote resource server follows its issuer's revocation feed.

Each worker process keeps the revoked identifiers in memory, so the request
path only looks them up in a dict: no network, no cache. A daemon thread per
process keeps that dict current:

- every ``SYNC_SECONDS`` it reads the site's shared cache (one small ``head``
  entry; the whole ``state`` only when its version moved);
- one process per shared cache holds a short lease (``cache.add``) and polls
  the issuer's feed at the interval the issuer asks for, then writes ``state``
  and ``head`` for the others. A thousand processes on one site make one
  follower at the issuer; a lost leader's lease runs out in ``LEASE_SECONDS``.

Without a working shared cache every process polls for itself (jittered).
Failures keep the last known revocations, are logged, and show in
``status()`` (the health endpoint); ``REMOTE_FEED_REFUSE_AFTER`` turns a feed
that stays unreachable into 503 answers, if the operator prefers that.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import secrets
import threading
import time

from .. import shared_cache
from ..app_settings import app_settings
from ..outages import ServiceUnavailable
from .remote_feed_client import FeedClient

logger = logging.getLogger("m2m_auth.remote_feed")

SYNC_SECONDS = 0.1
LEASE_SECONDS = 3
FORGET_EVERY = 60
LOG_EVERY = 30


class FeedFollower:
    def __init__(self, issuer: str, client: FeedClient | None = None, clock=time.time) -> None:
        self.issuer, self.clock = issuer, clock
        self.client = client or FeedClient(issuer)
        self.prefix = "m2m_auth:feed:" + hashlib.sha256(issuer.encode()).hexdigest()[:16]
        self.revoked: dict[str, float] = {}
        self.cursor: str | None = None
        self.version: int | None = None  # of the shared state last read or written
        self.synced_at: float | None = None
        self.started_at = clock()
        self.error: str | None = None
        self._lease = secrets.token_hex(8)
        self._next_poll = self._forgotten_at = self._logged_at = 0.0
        self._pid: int | None = None
        self._lock = threading.Lock()

    # The request path: memory only.
    def is_revoked(self, kind: str, identifier: str) -> bool:
        until = self.revoked.get(f"{kind}:{identifier}")
        return until is not None and until > self.clock()

    def staleness(self) -> float:
        return self.clock() - (self.synced_at or self.started_at)

    def refusing(self, limit: float | None = None) -> bool:
        """Whether the feed is older than ``limit`` (default: the ``REMOTE_FEED_REFUSE_AFTER`` setting)."""
        if limit is None:
            limit = app_settings.REMOTE_FEED_REFUSE_AFTER
        return limit is not None and self.staleness() > limit

    def check_fresh(self, limit: float | None = None) -> None:
        if self.refusing(limit):
            raise ServiceUnavailable()

    def status(self) -> dict:
        return {
            "status": self._condition(),
            "issuer": self.issuer, "cursor": self.cursor, "revoked": len(self.revoked),
            "seconds_since_sync": None if self.synced_at is None else round(self.staleness(), 3),
            "error": self.error, "process": os.getpid(),
        }

    def _condition(self) -> str:
        if self.refusing():
            return "refusing"
        if self.staleness() > app_settings.REMOTE_FEED_STALE_AFTER:
            return "stale"
        return "degraded" if self.error else "ok"

    # The follower thread.
    def ensure_running(self) -> None:
        """Start this process's thread (again after a fork); the first call reads the shared state at once."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.sync_from_cache()
            threading.Thread(target=self._run, name="m2m-auth-revocation-feed", daemon=True).start()

    def _run(self) -> None:
        time.sleep(random.uniform(0, SYNC_SECONDS))
        while True:
            try:
                self.step()
            except Exception:  # noqa: BLE001 (the thread must outlive any one bad round)
                logger.exception("revocation feed follower of %s", self.issuer)
            time.sleep(SYNC_SECONDS)

    def step(self) -> None:
        self.sync_from_cache()
        if time.monotonic() >= self._next_poll:
            # Those that are not the leader ask for the lease once a poll interval too, not on every sync.
            if self._lead():
                self.poll()
            self._next_poll = time.monotonic() + self.client.poll_interval * random.uniform(0.8, 1.2)
        if self.clock() - self._forgotten_at > FORGET_EVERY:
            self._forget_expired()
        self._warn_if_stale()
        from .remote_keys import remote_key_source

        remote_key_source(self.issuer).refresh_if_due()

    def poll(self) -> None:
        try:
            events, self.cursor = self.client.changes_since(self.cursor)
        except Exception as error:  # noqa: BLE001 (any failure keeps what we have)
            self._failed(f"{type(error).__name__}: {error}")
            return
        news = {key: until for key, until in events.items() if self.revoked.get(key) != until}
        self.revoked.update(news)
        self.synced_at, self.error = self.clock(), None
        self._share(bool(news))

    def _failed(self, error: str) -> None:
        self.error = error
        self._cache_call("set", f"{self.prefix}:head", self._head(), None)
        self._log(logging.WARNING, "revocation feed of %s unreachable (%s); verifying with what we have",
                  self.issuer, error)

    # The shared cache.
    def sync_from_cache(self) -> None:
        head = self._cache_call("get", f"{self.prefix}:head")
        if not isinstance(head, dict):
            return
        if head.get("version") != self.version:
            state = self._cache_call("get", f"{self.prefix}:state")
            if isinstance(state, dict):
                self.revoked.update(state.get("revoked", {}))
                self.cursor, self.version = state.get("cursor"), state.get("version")
        if head.get("synced_at") and head["synced_at"] > (self.synced_at or 0):
            self.synced_at, self.error = head["synced_at"], head.get("error")
        elif head.get("error"):
            self.error = head["error"]

    def _share(self, changed: bool) -> None:
        # Written again until read back: a database cache drops a write it could not lock for.
        stored = self._cache_call("get", f"{self.prefix}:state")
        if changed or not isinstance(stored, dict) or stored.get("version") != self.version:
            self.version = time.time_ns()
            state = {"cursor": self.cursor, "revoked": self._unexpired(), "version": self.version}
            self._cache_call("set", f"{self.prefix}:state", state, None)
        self._cache_call("set", f"{self.prefix}:head", self._head(), None)

    def _head(self) -> dict:
        return {"version": self.version, "synced_at": self.synced_at, "error": self.error}

    def _lead(self) -> bool:
        key = f"{self.prefix}:leader"
        if self._cache_call("add", key, self._lease, LEASE_SECONDS, fallback=True):
            return True
        holder = self._cache_call("get", key, fallback=self._lease)
        if holder == self._lease:
            self._cache_call("set", key, self._lease, LEASE_SECONDS)
        return holder == self._lease

    def _cache_call(self, method: str, *args, fallback=None):
        try:
            return getattr(shared_cache.cache(), method)(*args)
        except Exception as error:  # noqa: BLE001 (no shared cache: this process follows alone)
            self._log(logging.WARNING, "revocation feed: the shared cache failed (%s); following alone", error)
            return fallback

    def _unexpired(self) -> dict[str, float]:
        now = self.clock()
        return {key: until for key, until in self.revoked.items() if until > now}

    def _forget_expired(self) -> None:
        self.revoked, self._forgotten_at = self._unexpired(), self.clock()

    def _warn_if_stale(self) -> None:
        if self.staleness() > app_settings.REMOTE_FEED_STALE_AFTER:
            self._log(logging.WARNING, "revocation feed of %s not synced for %.0f s%s", self.issuer,
                      self.staleness(), "; refusing its credentials" if self.refusing() else "")

    def _log(self, level: int, message: str, *args) -> None:
        if time.monotonic() - self._logged_at > LOG_EVERY:
            self._logged_at = time.monotonic()
            logger.log(level, message, *args)


_followers: dict[str, FeedFollower] = {}
_followers_lock = threading.Lock()


def follower_for(issuer: str) -> FeedFollower:
    """This process's follower of an issuer's feed, running."""
    follower = _followers.get(issuer)
    if follower is None:
        with _followers_lock:
            follower = _followers.setdefault(issuer, FeedFollower(issuer))
    follower.ensure_running()
    return follower

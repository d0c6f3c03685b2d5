"""Verification keys of a remote issuer, from its RFC 8414 metadata and JWKS.

For resource servers that share nothing with the authorization server. The
key set is kept in the process for as long as the issuer's JWKS answer says
(``Cache-Control: max-age``, less its ``Age``), never longer than ``max_age``:
the issuer starts signing with a key only after it has been published for
that long, so a key set refreshed on time always knows the signing key. The
revocation feed's follower refreshes it in the background a little before it
goes stale, so requests do not wait for it.

A token naming an unknown ``kid`` also triggers a refetch, but never more
than once per ``min_refresh_interval``, so that tokens with made-up kids
cannot turn into a flood of requests. A failed fetch keeps the last good key
set.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

import jwt

from .remote_http import (  # noqa: F401 (metadata_url and http_fetch are part of this module's surface)
    Fetch, RemoteError, Response, allowed_url, fetch_metadata, http_fetch, json_object, metadata_url,
)

logger = logging.getLogger("m2m_auth.remote_keys")

KeySourceError = RemoteError
STALE_RETRY_SECONDS = 1.0
REFRESH_AHEAD = 0.8
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age=(\d+)")


def advertised_lifetime(response: Response) -> float | None:
    """Seconds the answer stays fresh per its Cache-Control and Age headers, if it says."""
    match = _MAX_AGE.search(str(response.headers.get("Cache-Control", "")))
    if match is None:
        return None
    age = str(response.headers.get("Age", "0"))
    return max(0.0, int(match.group(1)) - (int(age) if age.isdigit() else 0))


class RemoteKeySource:
    def __init__(self, issuer: str, *, timeout: float = 5.0, min_refresh_interval: float = 60.0,
                 max_age: float = 3600.0, clock: Callable[[], float] = time.monotonic,
                 fetch: Fetch | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.timeout, self.min_refresh_interval, self.max_age = timeout, min_refresh_interval, max_age
        self.clock, self.fetch = clock, fetch or http_fetch
        self._keys: dict[str, jwt.PyJWK] = {}
        self._published: list = []
        self._version = 0
        self._fetched_at: float | None = None
        self._lifetime = max_age
        self._attempted_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The verification key for a kid, or None."""
        if self._age() > self._lifetime:
            self._refresh(STALE_RETRY_SECONDS)
        elif kid not in self._keys:
            # An issuer always publishes a key: an empty set (fetched while it bootstrapped) is retried soon.
            self._refresh(self.min_refresh_interval if self._keys else STALE_RETRY_SECONDS)
        return self._keys.get(kid)

    def version(self) -> int:
        """A number that moves whenever the key set changes: what was verified with the old set is checked again."""
        return self._version

    def refresh_if_due(self) -> None:
        """Refetch a little before the key set goes stale (called off the request path)."""
        if self._age() > self._lifetime * REFRESH_AHEAD:
            self._refresh(STALE_RETRY_SECONDS)

    def _age(self) -> float:
        return float("inf") if self._fetched_at is None else self.clock() - self._fetched_at

    def _refresh(self, min_interval: float) -> None:
        with self._lock:
            now = self.clock()
            if self._attempted_at is not None and now - self._attempted_at < min_interval:
                return
            self._attempted_at = now
            try:
                published, self._lifetime = self._load()
                self._fetched_at = now
            except (RemoteError, OSError, ValueError) as error:
                logger.warning("keeping the last good keys of %s: %s", self.issuer, error)
                return
            if published != self._published:
                self._keys, self._published = self._usable(published), published
                self._version += 1

    def _load(self) -> tuple[list, float]:
        """The published keys as given, and how long they stay fresh."""
        jwks_uri = fetch_metadata(self.issuer, self.fetch, self.timeout).get("jwks_uri")
        if not isinstance(jwks_uri, str) or not allowed_url(self.issuer, jwks_uri):
            raise RemoteError(f"jwks_uri {jwks_uri!r} is not an https URL")
        response = Response(*self.fetch(jwks_uri, self.timeout))
        lifetime = advertised_lifetime(response)
        lifetime = self.max_age if lifetime is None else min(self.max_age, max(STALE_RETRY_SECONDS, lifetime))
        published = json_object(response, jwks_uri).get("keys")
        return published if isinstance(published, list) else [], lifetime

    @staticmethod
    def _usable(raw_keys: list) -> dict[str, jwt.PyJWK]:
        usable = {}
        for raw in raw_keys:
            if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str) or raw.get("use", "sig") != "sig":
                continue
            try:
                usable[raw["kid"]] = jwt.PyJWK(raw)
            except jwt.PyJWTError:
                logger.info("skipping an unusable key %s", raw.get("kid"))
        return usable


_sources: dict[str, RemoteKeySource] = {}
_sources_lock = threading.Lock()


def remote_key_source(issuer: str) -> RemoteKeySource:
    """One shared key source per issuer per process."""
    with _sources_lock:
        if issuer not in _sources:
            _sources[issuer] = RemoteKeySource(issuer)
        return _sources[issuer]

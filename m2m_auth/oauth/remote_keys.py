"""Verification keys of a remote issuer, from its RFC 8414 metadata and JWKS.

For resource servers that share nothing with the authorization server. The
key set is cached in the process; it is refetched when it is older than
``max_age`` or when a token names an unknown ``kid`` (the issuer rotated),
but never more than once per ``min_refresh_interval``, so that tokens with
made-up kids cannot turn into a flood of requests. A failed fetch keeps the
last good key set.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import jwt

logger = logging.getLogger("m2m_auth.remote_keys")

MAX_BYTES = 1024 * 1024
Fetch = Callable[[str, float], tuple[int, bytes]]


class KeySourceError(Exception):
    pass


def http_fetch(url: str, timeout: float) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (schemes checked by callers)
        return response.status, response.read(MAX_BYTES + 1)


def metadata_url(issuer: str) -> str:
    """RFC 8414 section 3: the well-known segment goes between the host and the issuer's path."""
    parts = urlsplit(issuer.rstrip("/"))
    return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{parts.path}"


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RemoteKeySource:
    def __init__(self, issuer: str, *, timeout: float = 5.0, min_refresh_interval: float = 60.0,
                 max_age: float = 3600.0, clock: Callable[[], float] = time.monotonic,
                 fetch: Fetch | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.timeout, self.min_refresh_interval, self.max_age = timeout, min_refresh_interval, max_age
        self.clock, self.fetch = clock, fetch or http_fetch
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The verification key for a kid, or None."""
        if self._stale() or kid not in self._keys:
            self._refresh()
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at > self.max_age

    def _refresh(self) -> None:
        with self._lock:
            now = self.clock()
            if self._attempted_at is not None and now - self._attempted_at < self.min_refresh_interval:
                return
            self._attempted_at = now
            try:
                self._keys, self._fetched_at = self._load(), now
            except (KeySourceError, OSError, ValueError) as error:
                logger.warning("keeping the last good keys of %s: %s", self.issuer, error)

    def _load(self) -> dict[str, jwt.PyJWK]:
        metadata = self._json(metadata_url(self.issuer))
        if metadata.get("issuer") != self.issuer:
            raise KeySourceError(f"metadata names issuer {metadata.get('issuer')!r}")
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not self._allowed(jwks_uri):
            raise KeySourceError(f"jwks_uri {jwks_uri!r} is not an https URL")
        return self._usable(self._json(jwks_uri).get("keys"))

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "https":
            return True
        issuer = urlsplit(self.issuer)
        return parts.scheme == "http" and issuer.scheme == "http" and _loopback(issuer.hostname or "")

    def _json(self, url: str) -> dict:
        status, body = self.fetch(url, self.timeout)
        if status != 200 or len(body) > MAX_BYTES:
            raise KeySourceError(f"{url} answered {status} with {len(body)} bytes")
        document = json.loads(body)
        if not isinstance(document, dict):
            raise KeySourceError(f"{url} is not a JSON object")
        return document

    @staticmethod
    def _usable(raw_keys) -> dict[str, jwt.PyJWK]:
        usable = {}
        for raw in raw_keys if isinstance(raw_keys, list) else []:
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

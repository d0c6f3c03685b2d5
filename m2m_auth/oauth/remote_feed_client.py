"""Reading an issuer's revocation feed over HTTP (see ``m2m_auth/feed.py``).

The feed's URL comes from the issuer's metadata (``revocation_feed_endpoint``).
A repeated question carries the last answer's ETag, so an unchanged feed is a
bodiless 304.
"""

from __future__ import annotations

import re

from .remote_http import Fetch, RemoteError, Response, endpoint, http_fetch, json_object

FEED_MEMBER = "revocation_feed_endpoint"
KINDS = {"jwt": "jti", "api_key": "id", "personal_access_token": "id"}
CURSOR = re.compile(r"[0-9]{1,18}")
DEFAULT_POLL_SECONDS = 0.3
POLL_BOUNDS = (0.1, 60.0)
MAX_PAGES = 50


class FeedClient:
    def __init__(self, issuer: str, fetch: Fetch | None = None, timeout: float = 2.0) -> None:
        self.issuer, self.fetch, self.timeout = issuer, fetch or http_fetch, timeout
        self.poll_interval = DEFAULT_POLL_SECONDS
        self._etag: tuple[str, str] | None = None

    def changes_since(self, cursor: str | None) -> tuple[dict[str, float], str]:
        """Revoked ``kind:identifier`` -> forget-after time, and the cursor to ask from next."""
        url = endpoint(self.issuer, FEED_MEMBER, self.fetch)
        since, revoked = cursor or "0", {}
        for _ in range(MAX_PAGES):
            document = self._page(url, since)
            if document is None:
                break
            revoked.update(self._events(document.get("events")))
            cursor = document.get("cursor")
            if not isinstance(cursor, str) or not CURSOR.fullmatch(cursor):
                raise RemoteError(f"the feed gave the cursor {cursor!r}")
            moved, since = cursor != since, cursor
            if not (document.get("more") and moved):
                break
        return revoked, since

    def _page(self, url: str, since: str) -> dict | None:
        headers = {"If-None-Match": self._etag[1]} if self._etag and self._etag[0] == since else {}
        response = Response(*self.fetch(f"{url}?since={since}", self.timeout, headers))
        if response.status == 304:
            return None
        document = json_object(response, url)
        if document.get("issuer") != self.issuer:
            raise RemoteError(f"the feed names issuer {document.get('issuer')!r}")
        etag = response.headers.get("ETag")
        self._etag = (since, etag) if etag else None
        self._hint(document.get("poll_interval"))
        return document

    def _hint(self, seconds) -> None:
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            self.poll_interval = min(max(float(seconds), POLL_BOUNDS[0]), POLL_BOUNDS[1])

    @staticmethod
    def _events(events) -> dict[str, float]:
        revoked = {}
        for event in events if isinstance(events, list) else []:
            if not isinstance(event, dict) or event.get("type") not in KINDS:
                continue
            kind, until = event["type"], event.get("exp")
            identifier = event.get(KINDS[kind])
            if isinstance(identifier, str) and len(identifier) <= 128 and isinstance(until, (int, float)):
                revoked[f"{kind}:{identifier}"] = float(until)
        return revoked

"""HTTP to a remote issuer: small bounded requests, and its RFC 8414 metadata.

Shared by the key source, the revocation feed follower and remote
introspection, so that the three agree on what an acceptable issuer URL is.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

MAX_BYTES = 1024 * 1024
METADATA_SECONDS = 300
MISSING_RETRY_SECONDS = 10


class RemoteError(Exception):
    """The issuer's answer could not be used; the message says why, for logs."""


class Response(NamedTuple):
    status: int
    body: bytes
    headers: Any = {}  # a Mapping, or urllib's case-insensitive Message


Fetch = Callable[..., Response]


def http_fetch(url: str, timeout: float, headers: Mapping[str, str] | None = None,
               data: bytes | None = None) -> Response:
    """GET (or POST ``data``) without raising on an HTTP error status."""
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (schemes checked by callers)
            return Response(answer.status, answer.read(MAX_BYTES + 1), answer.headers)
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(MAX_BYTES + 1), error.headers)


def basic_authorization(client_id: str, secret: str) -> str:
    """RFC 6749 section 2.3.1: both parts form-encoded before base64."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def form(data: dict) -> bytes:
    return urlencode(data).encode()


def json_object(response: Response, url: str) -> dict:
    if response.status != 200 or len(response.body) > MAX_BYTES:
        raise RemoteError(f"{url} answered {response.status} with {len(response.body)} bytes")
    try:
        document = json.loads(response.body)
    except ValueError as error:
        raise RemoteError(f"{url} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise RemoteError(f"{url} is not a JSON object")
    return document


def metadata_url(issuer: str) -> str:
    """RFC 8414 section 3: the well-known segment goes between the host and the issuer's path."""
    parts = urlsplit(issuer.rstrip("/"))
    return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{parts.path}"


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_url(issuer: str, url: object) -> bool:
    """https, or plain http on loopback when the issuer itself is plain http on loopback (the demo)."""
    if not isinstance(url, str):
        return False
    parts, issuer_parts = urlsplit(url), urlsplit(issuer)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and issuer_parts.scheme == "http" and _loopback(issuer_parts.hostname or "")


def fetch_metadata(issuer: str, fetch: Fetch | None = None, timeout: float = 5.0) -> dict:
    url = metadata_url(issuer)
    metadata = json_object(Response(*(fetch or http_fetch)(url, timeout)), url)
    if metadata.get("issuer") != issuer:
        raise RemoteError(f"metadata names issuer {metadata.get('issuer')!r}")
    return metadata


_metadata: dict[str, tuple[float, dict]] = {}
_metadata_lock = threading.Lock()


def endpoint(issuer: str, name: str, fetch: Fetch | None = None) -> str:
    """A metadata member naming an endpoint, from metadata cached for a few minutes."""
    with _metadata_lock:
        read_at, metadata = _metadata.get(issuer, (0.0, {}))
    age = time.monotonic() - read_at
    if age > METADATA_SECONDS or (name not in metadata and age > MISSING_RETRY_SECONDS):
        metadata = fetch_metadata(issuer, fetch)
        with _metadata_lock:
            _metadata[issuer] = (time.monotonic(), metadata)
    url = metadata.get(name)
    if not isinstance(url, str) or not allowed_url(issuer, url):
        raise RemoteError(f"{name} {url!r} is not an https URL")
    return url

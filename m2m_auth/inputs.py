"""What m2m-auth accepts from the wire, checked before any query, log line,
audit row or cache key.

PostgreSQL refuses a NUL in text and a string longer than its varchar with a
``DataError``; SQLite ignores both. So it is validation here, never the
database, that keeps a hostile byte from turning into a 500: whatever a client
sends is either a well-formed value or ``None``.

Secret hygiene lives here too. A value that may be a secret (it carries a
secret prefix, or it claims to be a client id but has not the client id's
shape, as when a client swaps its id and its secret) is never written to a
log line, an audit row or a cache key name: ``loggable`` masks it, and cache
keys built from client input are hashed by ``cache_key``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from urllib.parse import unquote_plus

from . import crypto, hashing

MAX_BASIC_CREDENTIALS = 1024  # base64 of a client id and a secret: ~150 characters
MAX_JOSE_LENGTH = 8192  # a compact JWS: access tokens and client assertions
MASKED = "(masked)"
_LOGGABLE = re.compile(r"[0-9A-Za-z._:@/+-]{1,64}")


def client_id(value: object) -> str | None:
    """A claimed client id, if it has the shape of one; else None (never queried, never logged)."""
    return value if crypto.is_client_id(value) else None


def public_id(value: object) -> str | None:
    return value if crypto.is_public_id(value) else None


def looks_like_secret(value: str) -> bool:
    """Holds any secret prefix (``m2m_ak_``, ``m2m_pat_``, ``m2m_cs_``) anywhere."""
    return any(typed in value for typed in hashing.prefixes().values())


def loggable(value: object) -> str:
    """A client-sent identifier as it may appear in a log line: short, plain and not secret-like."""
    if isinstance(value, str) and _LOGGABLE.fullmatch(value) and not looks_like_secret(value):
        return value
    return MASKED


def cache_key(namespace: str, *parts: object) -> str:
    """A cache key name for values a client sent: hashed, so no client text reaches the cache."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()
    return f"m2m_auth:{namespace}:{digest}"


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client id, secret)`` of an ``Authorization: Basic`` value (RFC 6749 section 2.3.1), or None."""
    scheme, _, encoded = authorization.partition(" ")
    encoded = encoded.strip()
    if scheme.lower() != "basic" or len(encoded) > MAX_BASIC_CREDENTIALS or not encoded.isascii():
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    claimed, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(claimed), unquote_plus(secret)


def jose_part(token: str, index: int) -> dict | None:
    """The JSON object in part ``index`` of a compact JWS (0 header, 1 claims), unverified; else None.

    Bounded in size, and a deeply nested document is refused, not a RecursionError.
    """
    parts = token.split(".")
    if len(token) > MAX_JOSE_LENGTH or len(parts) != 3 or not token.isascii():
        return None
    segment = parts[index]
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    return value if isinstance(value, dict) else None

"""Secret generation, formatting and hashing: pure functions, no Django.

A secret looks like ``m2m_ak_<public id>_<random><checksum>``:

* the typed prefix (``m2m_ak_``, ``m2m_pat_``, ``m2m_cs_``) makes leaks greppable;
* the public id (12 base62 characters) is what the database is searched by,
  so the secret itself is never a key or an index;
* the random part is 32 base62 characters from ``secrets`` (190 bits);
* the checksum is the CRC32 of everything before it, in 6 base62 characters,
  so a mistyped or truncated token is rejected before any query.

Why a keyed fast hash and not a password KDF: a KDF exists to slow down
guessing of low-entropy human passwords. These secrets carry 190 random bits,
so no amount of guessing speed helps an attacker who steals the table, while a
KDF would cost every API request hundreds of milliseconds. HMAC-SHA-256 with a
server-side pepper also means the table alone is useless without the pepper.
Stored hashes are tagged ``scheme$pepper-id$digest`` so that a new scheme or a
new pepper can be introduced without voiding credentials already issued.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple, TypeGuard

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PUBLIC_ID_LENGTH = 12
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
CLIENT_ID_LENGTH = 24
HASH_SCHEME = "hmac-sha256"
MAX_TOKEN_LENGTH = 100

_BODY = re.compile(
    rf"([0-9A-Za-z]{{{PUBLIC_ID_LENGTH}}})_([0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}})"
)


_PUBLIC_ID = re.compile(f"[0-9A-Za-z]{{{PUBLIC_ID_LENGTH}}}")
_CLIENT_ID = re.compile(f"[0-9A-Za-z]{{{CLIENT_ID_LENGTH}}}")


class ParsedToken(NamedTuple):
    public_id: str
    token: str


def random_base62(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, "0")


# Every two-digit base62 number, so that a checksum is three lookups (parsing runs on every request).
_PAIRS = [high + low for high in ALPHABET for low in ALPHABET]
_PAIR = len(_PAIRS)


def checksum(text: str) -> str:
    """``base62(crc32(text), 6)``: the CRC32 is below 62**6."""
    high, rest = divmod(zlib.crc32(text.encode("ascii")), _PAIR * _PAIR)
    middle, low = divmod(rest, _PAIR)
    return _PAIRS[high] + _PAIRS[middle] + _PAIRS[low]


def generate_token(prefix: str) -> ParsedToken:
    """A new secret with the given typed prefix, and its public id."""
    public_id = random_base62(PUBLIC_ID_LENGTH)
    head = f"{prefix}{public_id}_{random_base62(RANDOM_LENGTH)}"
    return ParsedToken(public_id, head + checksum(head))


def generate_client_id() -> str:
    """An OAuth client id: public, but never shaped like a secret (no prefix, no underscore)."""
    return random_base62(CLIENT_ID_LENGTH)


def is_client_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _CLIENT_ID.fullmatch(value) is not None


def is_public_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _PUBLIC_ID.fullmatch(value) is not None


def parse_token(token: str, prefix: str) -> ParsedToken | None:
    """The public id of a well-formed token of this prefix, else None.

    Cheap and query-free: length, prefix, alphabet, then the checksum.
    """
    if len(token) > MAX_TOKEN_LENGTH or not token.startswith(prefix):
        return None
    match = _BODY.fullmatch(token, len(prefix))
    if match is None:
        return None
    head, given = token[:-CHECKSUM_LENGTH], token[-CHECKSUM_LENGTH:]
    if not hmac.compare_digest(checksum(head), given):
        return None
    return ParsedToken(match.group(1), token)


def scanner_regex(prefix: str) -> str:
    """The regular expression a secret scanner uses to find leaked tokens."""
    body = f"[0-9A-Za-z]{{{PUBLIC_ID_LENGTH}}}_[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}"
    return rf"\b{re.escape(prefix)}{body}\b"


@lru_cache(maxsize=64)
def pepper_id(pepper: bytes) -> str:
    """A short, non-secret name for a pepper, stored beside each hash."""
    return hmac.new(pepper, b"m2m-auth pepper id", hashlib.sha256).hexdigest()[:8]


def hash_token(token: str, pepper: bytes) -> str:
    digest = hmac.new(pepper, token.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{HASH_SCHEME}${pepper_id(pepper)}${digest}"


def verify_token(token: str, stored: str, peppers: Mapping[str, bytes]) -> bool:
    """Constant-time check of a token against its stored, tagged hash."""
    scheme, _, rest = stored.partition("$")
    stored_pepper_id, _, _ = rest.partition("$")
    pepper = peppers.get(stored_pepper_id)
    if scheme != HASH_SCHEME or pepper is None:
        return False
    return hmac.compare_digest(hash_token(token, pepper), stored)

"""Verifying RFC 9068 access tokens, offline.

Checks, in order: the shape, the header (``typ`` at+jwt, an allowed
asymmetric ``alg``, a ``kid``), the key (the algorithm the key was made for),
the signature, ``iss`` exactly, ``aud`` containing one of ours, ``exp`` and
``nbf`` with a small leeway, the required claims and their types, and, when
asked, the jti deny-list. Never ``none``, never an HMAC algorithm: a public
key can never be used as a shared secret.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from .. import freshness, inputs
from ..app_settings import app_settings

ALGORITHMS = ["RS256", "ES256", "EdDSA"]
TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
MAX_LENGTH = 8192
_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
STRING_CLAIMS = ("iss", "sub", "client_id", "jti")


class InvalidToken(Exception):
    """The token is not a valid access token for us; the message says why, for logs."""


def looks_like_jwt(token: str) -> bool:
    return len(token) <= MAX_LENGTH and _SHAPE.fullmatch(token) is not None


def verify_access_token(
    token: str,
    *,
    issuer: str,
    audiences: Iterable[str],
    key_for: Callable[[str], jwt.PyJWK | None],
    is_revoked: Callable[[str], bool] | None = None,
    verify_exp: bool = True,
) -> dict:
    """The claims of a valid token, or ``InvalidToken``."""
    if not looks_like_jwt(token):
        raise InvalidToken("not a compact JWS")
    header = _header(token)
    key = key_for(header["kid"])
    if key is None:
        raise InvalidToken("unknown kid")
    if key.algorithm_name != header["alg"]:
        raise InvalidToken("alg does not match the key")
    claims = _decode(token, key, header["alg"], issuer, list(audiences), verify_exp)
    if is_revoked is not None and is_revoked(claims["jti"]):
        raise InvalidToken("revoked")
    return claims


# Verified claims by token, valid under a stamp; what they say about time is checked on every use.
_remembered: freshness.Memo[dict] = freshness.memo()


def verify_remembered(
    token: str,
    stamp: Any,
    *,
    issuer: str,
    audiences: Iterable[str],
    key_for: Callable[[str], jwt.PyJWK | None],
    leeway: int | None = None,
) -> dict:
    """``verify_access_token`` without the deny-list, its signature check remembered under ``stamp``.

    The stamp must change whenever a verification key does (local: the freshness
    stamp; remote: the key set's version); None remembers nothing.
    """
    if len(token) > MAX_LENGTH:  # the shape itself is checked when the token is first verified
        raise InvalidToken("not a compact JWS")
    audiences = tuple(audiences)
    memo_key = (hashlib.sha256(token.encode()).digest(), issuer, audiences)
    claims = _remembered.get(memo_key, stamp)
    if claims is None:
        claims = verify_access_token(token, issuer=issuer, audiences=audiences, key_for=key_for)
        _remembered.put(memo_key, stamp, claims)
    else:
        check_times(claims, leeway)
    return dict(claims)  # the caller's to keep: a view that changes it changes no later request


def check_times(claims: dict, leeway: int | None = None) -> None:
    """``exp`` and ``nbf`` now, with the leeway ``jwt.decode`` allowed when the claims were verified."""
    now = time.time()
    if leeway is None:
        leeway = app_settings.JWT_LEEWAY
    if now >= int(claims["exp"]) + leeway:
        raise InvalidToken("expired")
    if "nbf" in claims and now < int(claims["nbf"]) - leeway:
        raise InvalidToken("not yet valid")


def _header(token: str) -> dict:
    """The protected header, read from the first segment alone.

    PyJWT's own reader decodes the whole token, and ``jwt.decode`` does so
    again; ``inputs.jose_part`` bounds the size and the nesting.
    """
    header = inputs.jose_part(token, 0)
    if header is None:
        raise InvalidToken("unreadable header")
    if str(header.get("typ", "")).lower() not in TOKEN_TYPES:
        raise InvalidToken("typ is not at+jwt")
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken("algorithm not allowed")
    if not isinstance(header.get("kid"), str):
        raise InvalidToken("no kid")
    return header


def _decode(token: str, key: jwt.PyJWK, algorithm: str, issuer: str, audiences: list[str], verify_exp: bool) -> dict:
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            issuer=issuer,
            audience=audiences,
            leeway=app_settings.JWT_LEEWAY,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"], "verify_exp": verify_exp},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(refusal_reason(error)) from None
    wrong = [name for name in STRING_CLAIMS if not isinstance(claims.get(name), str)]
    if wrong or not isinstance(claims.get("scope", ""), str):
        raise InvalidToken(f"claims of the wrong type: {wrong or ['scope']}")
    return claims


REASONS = {
    jwt.ExpiredSignatureError: "expired",
    jwt.ImmatureSignatureError: "not yet valid",
    jwt.InvalidAudienceError: "wrong audience",
    jwt.InvalidIssuerError: "wrong issuer",
    jwt.InvalidSignatureError: "bad signature",
    jwt.MissingRequiredClaimError: "missing claim",
}


def refusal_reason(error: jwt.PyJWTError) -> str:
    """A short reason for the log; PyJWT's own messages may quote what the client sent."""
    return next((reason for kind, reason in REASONS.items() if isinstance(error, kind)), "invalid token")


def scopes_of(claims: dict) -> frozenset[str]:
    return frozenset(claims.get("scope", "").split())

"""``m2m inspect`` for JWT access tokens: header, claims, and the check that fails here.

The verdict comes from the very verification JWTAuthentication runs (same
issuer, audiences, keys and deny-list), so it cannot drift from the request
path; the header and claims are read without verification, to explain it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import inputs
from ..app_settings import app_settings
from ..inspection import not_configured, verdict
from .authentication import JWTAuthentication
from .verify import ALGORITHMS, InvalidToken, scopes_of


def jwt_report(token: str) -> dict[str, Any]:
    header, claims = inputs.jose_part(token, 0), inputs.jose_part(token, 1)
    if header is None or claims is None:
        return verdict({"kind": "jwt"}, "unreadable JWT", "Copy the whole token: three dot-separated parts.")
    issuer = expected_issuer(claims)
    expected = {"issuer": issuer, "audiences": list(app_settings.JWT_AUDIENCE)}
    found = {"kind": "jwt", "public_id": claims.get("jti"), "header": header, "claims": claims,
             "expires_at": _moment(claims.get("exp")), "scopes": sorted(scopes_of(claims)) if _scope_ok(claims) else [],
             "expected": expected}
    try:
        JWTAuthentication().verify(_Request(issuer), token)
    except InvalidToken as error:
        return verdict(found, str(error), hint_for(str(error), claims, expected))
    if "cnf" in claims:
        found["note"] = "Bound to a client certificate (cnf): accepted only over mutual TLS with that certificate."
    return verdict(found, not_configured(JWTAuthentication))


def expected_issuer(claims: dict) -> str:
    """This site's issuer; without ISSUER it depends on each request's host, so the token's own is assumed."""
    configured = app_settings.REMOTE_ISSUER or app_settings.ISSUER
    if configured:
        return configured.rstrip("/")
    return str(claims.get("iss", ""))


class _Request:
    """What ``JWTAuthentication.verify`` reads of a request: its absolute root URI."""

    def __init__(self, root: str) -> None:
        self.root = root

    def build_absolute_uri(self, location: str = "/") -> str:
        return self.root + location


def hint_for(reason: str, claims: dict, expected: dict) -> str | None:
    lowered = reason.lower()
    if "kid" in lowered:
        return "No signing key here has this kid: the token comes from another issuer, or its key was retired."
    if "audience" in lowered:
        return (f"aud {claims.get('aud')!r} names none of M2M_AUTH['JWT_AUDIENCE'] {expected['audiences']}: request "
                "the token with resource=<one of them>, or add this API's identifier to JWT_AUDIENCE.")
    if "issuer" in lowered:
        return (f"iss {claims.get('iss')!r} is not this site's issuer {expected['issuer']!r}: use a token from this "
                "issuer, or set M2M_AUTH['ISSUER'] (or REMOTE_ISSUER) to the issuer's URL.")
    if "expired" in lowered:
        return (f"It expired at {_moment(claims.get('exp'))} (leeway {app_settings.JWT_LEEWAY} s): fetch a new "
                "token; clients should fetch one shortly before expires_in runs out.")
    if "revoked" in lowered:
        return "It was revoked at the revocation endpoint: fetch a new token."
    if "typ" in lowered or "algorithm" in lowered:
        return f"Only RFC 9068 access tokens are accepted: typ at+jwt, alg one of {', '.join(ALGORITHMS)}."
    if "signature" in lowered:
        return "The signature does not verify with the key it names: the token was altered."
    return None


def _moment(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def _scope_ok(claims: dict) -> bool:
    return isinstance(claims.get("scope", ""), str)

"""RFC 9068 JWT access tokens: the issuer's identifier and the token itself."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jwt
from django.utils import timezone

from ..app_settings import app_settings
from . import keys

TOKEN_TYPE = "at+jwt"


def issuer(request: Any = None, settings: dict[str, Any] | None = None) -> str:
    """The configured issuer, or this site's root URL as the request shows it."""
    configured = (settings or app_settings.values())["ISSUER"]
    if configured:
        return configured.rstrip("/")
    if request is None:
        return "http://127.0.0.1:8000"
    return request.build_absolute_uri("/").rstrip("/")


def issue_access_token(
    *,
    issuer_id: str,
    client_id: str,
    subject: str,
    audience: str,
    scopes: Iterable[str],
    lifetime: int,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """A signed JWT access token; the newest current signing key signs it."""
    now = int(timezone.now().timestamp())
    claims = {
        "iss": issuer_id,
        "sub": subject,
        "aud": audience,
        "client_id": client_id,
        "scope": " ".join(sorted(scopes)),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(18),
        **(extra_claims or {}),
    }
    return signed(claims, keys.signer())


def signed(claims: dict[str, Any], signer: keys.Signer) -> str:
    """The compact JWS of ``claims``, as ``jwt.encode`` makes it, without rebuilding the header and the
    algorithm object for every token."""
    payload = _base64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = _header(signer.kid, signer.algorithm) + b"." + payload
    signature = _algorithm(signer.algorithm).sign(signing_input, signer.private_key)
    return (signing_input + b"." + _base64url(signature)).decode()


@lru_cache(maxsize=16)
def _header(kid: str, algorithm: str) -> bytes:
    header = {"alg": algorithm, "kid": kid, "typ": TOKEN_TYPE}
    return _base64url(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())


@lru_cache(maxsize=8)
def _algorithm(name: str) -> Any:
    return jwt.get_algorithm_by_name(name)


def _base64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")

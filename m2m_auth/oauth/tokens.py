"""RFC 9068 JWT access tokens: the issuer's identifier and the token itself."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import jwt
from django.utils import timezone

from ..app_settings import app_settings
from . import keys

TOKEN_TYPE = "at+jwt"


def issuer(request: Any = None) -> str:
    """The configured issuer, or this site's root URL as the request shows it."""
    if app_settings.ISSUER:
        return app_settings.ISSUER.rstrip("/")
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
    signer = keys.signer()
    headers = {"typ": TOKEN_TYPE, "kid": signer.kid}
    return jwt.encode(claims, signer.private_key, algorithm=signer.algorithm, headers=headers)

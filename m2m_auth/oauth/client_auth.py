"""Client authentication for the token, introspection and revocation endpoints.

``client_secret_basic`` and ``client_secret_post`` (RFC 6749 section 2.3.1)
check one of the application's secrets against its keyed hash;
``private_key_jwt`` (RFC 7523 section 2.2) checks a signed assertion against
the public keys registered for the application. A request that uses more
than one method, or none, is not authenticated.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import unquote_plus

import jwt
from django.core.cache import caches
from django.utils import timezone

from .. import hashing, last_used
from ..app_settings import app_settings
from ..models import Application, ClientSecret
from . import mtls

logger = logging.getLogger("m2m_auth.oauth")

BASIC, POST, PRIVATE_KEY_JWT = "client_secret_basic", "client_secret_post", "private_key_jwt"
METHODS = [BASIC, POST, PRIVATE_KEY_JWT, mtls.TLS_CLIENT_AUTH, mtls.SELF_SIGNED]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
MAX_ASSERTION_LIFETIME = 3600  # what common clients (Authlib, Okta) use


@dataclass
class ClientAuthentication:
    """The outcome: ``application`` is None when authentication failed."""

    method: str | None
    client_id: str | None
    application: Application | None = None
    certificate_thumbprint: str | None = None

    def confirmation(self) -> dict | None:
        """The ``cnf`` claim binding tokens to the client's certificate (RFC 8705)."""
        return {"x5t#S256": self.certificate_thumbprint} if self.certificate_thumbprint else None


def authenticate_client(
    authorization: str, form: Mapping[str, str], address: str | None, audiences: list[str], certificate=None
) -> ClientAuthentication:
    """``certificate``: the client certificate a trusted proxy forwarded, if any."""
    attempt = _attempted(authorization, form)
    if attempt.method == BASIC or attempt.method == POST:
        attempt.application = _by_secret(attempt.client_id, attempt.secret, address)
    elif attempt.method == PRIVATE_KEY_JWT:
        attempt.application, attempt.client_id = _by_assertion(form, audiences)
    elif certificate is not None and attempt.client_id:
        attempt.application, attempt.method = mtls.authenticate(attempt.client_id, certificate)
        attempt.method = attempt.method or mtls.TLS_CLIENT_AUTH
        if attempt.application is not None:
            return ClientAuthentication(attempt.method, attempt.client_id, attempt.application,
                                        mtls.thumbprint(certificate))
    return ClientAuthentication(attempt.method, attempt.client_id, attempt.application)


def claimed_client_id(authorization: str, form: Mapping[str, str]) -> str | None:
    """The client id a request claims, unverified: for rate limiting only."""
    attempt = _attempted(authorization, form)
    if attempt.method != PRIVATE_KEY_JWT:
        return attempt.client_id
    try:
        issuer = jwt.decode(form.get("client_assertion", ""), options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None
    return issuer if isinstance(issuer, str) else None


def _attempted(authorization: str, form: Mapping[str, str]) -> SimpleNamespace:
    scheme, _, credentials = authorization.partition(" ")
    used = [
        scheme.lower() == "basic",
        "client_secret" in form,
        "client_assertion" in form or "client_assertion_type" in form,
    ]
    attempt = SimpleNamespace(method=None, client_id=form.get("client_id") or None, secret=None, application=None)
    if sum(used) != 1:
        return attempt
    attempt.method = METHODS[used.index(True)]
    if attempt.method == BASIC:
        attempt.client_id, attempt.secret = _basic_credentials(credentials.strip())
    elif attempt.method == POST:
        attempt.secret = form.get("client_secret")
    return attempt


def _basic_credentials(encoded: str) -> tuple[str | None, str | None]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None, None
    return unquote_plus(client_id), unquote_plus(secret)


def _by_secret(client_id: str | None, secret: str | None, address: str | None) -> Application | None:
    parsed = hashing.parse(secret or "", "client_secret")
    if not client_id or parsed is None:
        return None
    found = (
        ClientSecret.objects.select_related("application")
        .filter(public_id=parsed.public_id, application__client_id=client_id)
        .first()
    )
    if found is None or not found.is_active or not found.application.is_active:
        return None
    if not hashing.matches(parsed.token, found.secret_hash):
        return None
    last_used.touch(found, SimpleNamespace(META={"REMOTE_ADDR": address or ""}))
    return found.application


def _by_assertion(form: Mapping[str, str], audiences: list[str]) -> tuple[Application | None, str | None]:
    assertion = form.get("client_assertion", "")
    if form.get("client_assertion_type") != ASSERTION_TYPE or len(assertion) > 8192:
        return None, None
    try:
        header = jwt.get_unverified_header(assertion)
        client_id = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None, None
    if not isinstance(client_id, str) or form.get("client_id") not in (None, client_id):
        return None, None
    application = Application.objects.filter(client_id=client_id, is_active=True).first()
    key = _registered_key(application, header)
    if key is None or not _valid_assertion(assertion, key, header["alg"], client_id, audiences):
        return None, client_id
    return application, client_id


def _registered_key(application: Application | None, header: dict) -> jwt.PyJWK | None:
    """The one registered signing key the assertion names, usable with its algorithm."""
    algorithm = header.get("alg")
    if application is None or not isinstance(application.jwks, dict) or algorithm not in ASSERTION_ALGORITHMS:
        return None
    candidates = [
        raw
        for raw in application.jwks.get("keys", [])
        if isinstance(raw, dict)
        and raw.get("use", "sig") == "sig"
        and raw.get("kid") in (None, header.get("kid"))
        and raw.get("alg", algorithm) == algorithm
    ]
    if len(candidates) != 1:
        return None
    try:
        return jwt.PyJWK(candidates[0], algorithm=algorithm)
    except jwt.PyJWTError:
        return None


def _valid_assertion(assertion: str, key: jwt.PyJWK, algorithm: str, client_id: str, audiences: list[str]) -> bool:
    try:
        claims = jwt.decode(
            assertion,
            key.key,
            algorithms=[algorithm],
            audience=audiences,
            issuer=client_id,
            leeway=app_settings.JWT_LEEWAY,
            options={"require": ["exp", "iss", "sub", "aud", "jti"]},
        )
    except jwt.PyJWTError as error:
        logger.debug("client assertion of %s refused: %s", client_id, error)
        return False
    return claims["sub"] == client_id and _first_use(client_id, claims)


def _first_use(client_id: str, claims: dict) -> bool:
    """RFC 7523 section 3: an assertion is single-use; its jti is remembered until it expires."""
    remaining = claims["exp"] - timezone.now().timestamp()
    if not isinstance(claims["jti"], str) or remaining > MAX_ASSERTION_LIFETIME + app_settings.JWT_LEEWAY:
        return False
    gate = f"m2m_auth:assertion:{client_id}:{claims['jti'][:128]}"
    return caches[app_settings.CACHE].add(gate, 1, timeout=int(remaining + app_settings.JWT_LEEWAY) + 1)

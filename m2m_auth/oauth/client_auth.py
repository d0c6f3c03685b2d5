"""Client authentication for the token, introspection and revocation endpoints.

``client_secret_basic`` and ``client_secret_post`` (RFC 6749 section 2.3.1)
check one of the application's secrets against its keyed hash;
``private_key_jwt`` (RFC 7523 section 2.2) checks a signed assertion against
the public keys registered for the application. A request that uses more
than one method, or none, is not authenticated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jwt
from django.core.cache import caches
from django.utils import timezone

from .. import inputs, verification
from ..app_settings import app_settings
from ..models import Application
from . import mtls
from .verify import refusal_reason

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


@dataclass(frozen=True)
class _Attempt:
    """What a request presents; ``claimed`` is the client id as sent, unchecked."""

    method: str | None
    claimed: str | None = None
    secret: str | None = None


def authenticate_client(
    authorization: str, form: Mapping[str, str], address: str | None, audiences: list[str], certificate=None
) -> ClientAuthentication:
    """``certificate``: the client certificate a trusted proxy forwarded, if any."""
    attempt = _attempted(authorization, form)
    outcome = ClientAuthentication(attempt.method, inputs.client_id(attempt.claimed))
    if attempt.method == BASIC or attempt.method == POST:
        verdict = verification.verify("client_secret", attempt.secret or "", address, client_id=attempt.claimed or "")
        outcome.application = verdict.credential.application if verdict.accepted else None
    elif attempt.method == PRIVATE_KEY_JWT:
        outcome.application, outcome.client_id = _by_assertion(form, audiences, address)
    elif certificate is not None and outcome.client_id:
        return _by_certificate(outcome, certificate, address)
    return outcome


def claimed_client_id(authorization: str, form: Mapping[str, str]) -> str | None:
    """The client id a request claims, unverified, if it has a client id's shape: for rate limiting only."""
    attempt = _attempted(authorization, form)
    if attempt.method != PRIVATE_KEY_JWT:
        return inputs.client_id(attempt.claimed)
    claims = inputs.jose_part(form.get("client_assertion", ""), 1)
    return inputs.client_id(claims.get("iss")) if claims else None


def carries_assertion(form: Mapping[str, str]) -> bool:
    """Whether a request attempts ``private_key_jwt`` (alone or mixed with another method)."""
    return "client_assertion" in form or "client_assertion_type" in form


def _attempted(authorization: str, form: Mapping[str, str]) -> _Attempt:
    used = [authorization.partition(" ")[0].lower() == "basic", "client_secret" in form, carries_assertion(form)]
    if sum(used) != 1:
        return _Attempt(None, form.get("client_id"))
    method = METHODS[used.index(True)]
    if method == BASIC:
        return _Attempt(method, *(inputs.basic_credentials(authorization) or ("", "")))
    return _Attempt(method, form.get("client_id"), form.get("client_secret") if method == POST else None)


def _by_certificate(outcome: ClientAuthentication, certificate, address: str | None) -> ClientAuthentication:
    outcome.application, method = mtls.authenticate(outcome.client_id, certificate)
    outcome.method = method or mtls.TLS_CLIENT_AUTH
    if outcome.application is None:
        verification.log_refusal("client", outcome.client_id, address, "certificate not accepted")
        return outcome
    outcome.certificate_thumbprint = mtls.thumbprint(certificate)
    return outcome


def _by_assertion(
    form: Mapping[str, str], audiences: list[str], address: str | None
) -> tuple[Application | None, str | None]:
    assertion = form.get("client_assertion", "")
    header, claims = inputs.jose_part(assertion, 0), inputs.jose_part(assertion, 1)
    if form.get("client_assertion_type") != ASSERTION_TYPE or header is None or claims is None:
        verification.log_refusal("client_assertion", None, address, "malformed")
        return None, None
    client_id = inputs.client_id(claims.get("iss"))
    if client_id is None or form.get("client_id") not in (None, client_id):
        verification.log_refusal("client_assertion", None, address, "malformed issuer")
        return None, None
    application = Application.objects.filter(client_id=client_id, is_active=True).first()
    key = _registered_key(application, header)
    reason = "no registered key" if key is None else _assertion_refusal(assertion, key, header["alg"], client_id, audiences)
    if reason:
        verification.log_refusal("client_assertion", client_id, address, reason)
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


def _assertion_refusal(assertion: str, key: jwt.PyJWK, algorithm: str, client_id: str,
                       audiences: list[str]) -> str | None:
    """Why a signed assertion does not authenticate its client, or None."""
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
        return refusal_reason(error)
    if claims["sub"] != client_id:
        return "wrong subject"
    return None if _first_use(client_id, claims) else "replayed or too long-lived"


def _first_use(client_id: str, claims: dict) -> bool:
    """RFC 7523 section 3: an assertion is single-use; its jti is remembered until it expires."""
    remaining = claims["exp"] - timezone.now().timestamp()
    if not isinstance(claims["jti"], str) or remaining > MAX_ASSERTION_LIFETIME + app_settings.JWT_LEEWAY:
        return False
    gate = inputs.cache_key("assertion", client_id, claims["jti"])
    return caches[app_settings.CACHE].add(gate, 1, timeout=int(remaining + app_settings.JWT_LEEWAY) + 1)

"""Flows for OAuth clients: secret rotation with an overlap window, and
registering public keys for ``private_key_jwt``."""

from __future__ import annotations

import ipaddress
import json
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

import jwt
from django.db import transaction
from django.utils import timezone

from .. import audit, issuing
from ..app_settings import app_settings
from ..exceptions import InvalidInput, NotPermitted
from ..models import Application, ClientSecret

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
MAX_JWKS_BYTES = 64 * 1024


@transaction.atomic
def rotate_client_secret(
    application: Application, *, actor: str = "", address: str | None = None
) -> tuple[ClientSecret, str]:
    """A new secret; older ones keep working until the overlap window ends."""
    if not application.is_active:
        raise NotPermitted(f"Application {application.client_id} is disabled.")
    overlap_end = timezone.now() + timedelta(seconds=app_settings.SECRET_ROTATION_OVERLAP)
    for old in application.secrets.active().select_for_update():
        if old.expires_at is None or old.expires_at > overlap_end:
            ClientSecret.objects.filter(pk=old.pk).update(expires_at=overlap_end)
    secret, plaintext = issuing.add_client_secret(
        application, expires_in=issuing.client_secret_lifetime(), actor=actor, address=address
    )
    audit.record("rotate", application, actor=actor, address=address, new_secret=secret.public_id)
    return secret, plaintext


def validate_jwks(jwks: object) -> dict:
    """A public JWK Set usable for signature checks, or ``InvalidInput``."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise InvalidInput('A JWKS must be an object with a non-empty "keys" list.')
    for raw in jwks["keys"]:
        if not isinstance(raw, dict) or PRIVATE_MEMBERS & set(raw):
            raise InvalidInput("A JWKS must hold only public keys (no private or symmetric members).")
        try:
            jwt.PyJWK(raw)
        except jwt.PyJWTError as error:
            raise InvalidInput(f"Unusable key in the JWKS: {error}.") from None
    return {"keys": jwks["keys"]}


def read_jwks(source: str) -> dict:
    """A JWKS from a file path, or fetched once from an https URL."""
    try:
        if source.startswith(("https://", "http://")):
            return validate_jwks(json.loads(_fetch(source)))
        with open(source, "rb") as handle:
            return validate_jwks(json.loads(handle.read(MAX_JWKS_BYTES + 1)))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"Cannot read a JWKS from {source!r}: {error}.") from None


def _fetch(url: str) -> bytes:
    parts = urlsplit(url)
    if parts.scheme != "https" and not _loopback(parts.hostname or ""):
        raise InvalidInput("A JWKS URL must use https.")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (scheme checked above)
        body = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise InvalidInput("The JWKS is too large.")
    return body


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register_jwks(application: Application, jwks: dict, *, actor: str = "") -> None:
    application.jwks = validate_jwks(jwks)
    application.save(update_fields=["jwks"])
    audit.record("update", application, actor=actor, jwks_kids=[k.get("kid") for k in jwks["keys"]])

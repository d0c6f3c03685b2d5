"""Flows for OAuth clients: secret rotation with an overlap window, and
registering public keys for ``private_key_jwt``."""

from __future__ import annotations

import ipaddress
import json
import re
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


SAN_KINDS = ("dns", "uri", "ip", "email")


def validate_tls_subject(subject_dn: str) -> str:
    """The DN in canonical RFC 4514 form (most specific part first).

    What ``openssl x509 -noout -subject`` prints by default, ``C = US, O = Example, CN = billing``,
    lists the parts the other way round; its spaced ``=`` tells it apart, and it is reversed.
    """
    from cryptography import x509

    parts = [part.strip() for part in re.split(r"(?<!\\),", subject_dn.strip().removeprefix("subject="))]
    if all(re.match(r"^[^=]+? = ", part) for part in parts):
        parts.reverse()
    tidy = ",".join(re.sub(r"^([^=]+?)\s*=\s*", r"\1=", part) for part in parts)
    try:
        return x509.Name.from_rfc4514_string(tidy).rfc4514_string()
    except ValueError:
        raise InvalidInput(
            f"Invalid subject DN {subject_dn!r}: write it as in RFC 4514, e.g. CN=billing,O=Example."
        ) from None


def validate_tls_san(san: str) -> str:
    kind, _, value = san.partition(":")
    if kind.lower() not in SAN_KINDS or not value:
        raise InvalidInput(f"Invalid SAN {san!r}: use dns:NAME, uri:URI, ip:ADDRESS or email:ADDRESS.")
    return f"{kind.lower()}:{value}"


THUMBPRINT = re.compile(r"\A[A-Za-z0-9_-]{43}\Z")


def validate_thumbprints(value: object) -> list[str]:
    """A list of x5t#S256 values: unpadded base64url SHA-256 digests."""
    if not isinstance(value, list) or not all(isinstance(item, str) and THUMBPRINT.match(item) for item in value):
        raise InvalidInput("Thumbprints must be a JSON list of x5t#S256 values (43 base64url characters each).")
    return sorted(set(value))


def certificate_expiries(pems: list[bytes]) -> dict[str, str]:
    """x5t#S256 -> notAfter (ISO 8601, UTC) of each PEM certificate."""
    from cryptography import x509

    from . import mtls

    try:
        certificates = [x509.load_pem_x509_certificate(pem) for pem in pems]
    except ValueError:
        raise InvalidInput("A certificate file is not a PEM X.509 certificate.") from None
    return {mtls.thumbprint(cert): cert.not_valid_after_utc.isoformat() for cert in certificates}


def remember_certificates(application: Application, expiries: dict[str, str]) -> None:
    """Add self-signed certificates (thumbprint -> notAfter) to an application, unsaved."""
    application.tls_certificate_thumbprints = sorted({*(application.tls_certificate_thumbprints or []), *expiries})
    application.tls_certificate_expiry = {**(application.tls_certificate_expiry or {}), **expiries}


def register_tls(
    application: Application, *, subject_dn: str | None = None, san: str | None = None,
    certificates: list[bytes] = (), actor: str = "",
) -> None:
    """Register what authenticates the application by certificate (RFC 8705)."""
    if subject_dn is not None:
        application.tls_subject_dn = validate_tls_subject(subject_dn) if subject_dn else ""
    if san is not None:
        application.tls_san = validate_tls_san(san) if san else ""
    added = certificate_expiries(list(certificates))
    remember_certificates(application, added)
    application.save(update_fields=["tls_subject_dn", "tls_san", "tls_certificate_thumbprints", "tls_certificate_expiry"])
    audit.record("update", application, actor=actor, tls_subject_dn=application.tls_subject_dn,
                 tls_san=application.tls_san, added_certificates=list(added))


def read_certificate_files(paths: list[str]) -> list[bytes]:
    try:
        return [open(path, "rb").read(MAX_JWKS_BYTES) for path in paths]
    except OSError as error:
        raise InvalidInput(f"Cannot read a certificate file: {error}.") from None

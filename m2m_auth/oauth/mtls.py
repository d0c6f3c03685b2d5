"""Mutual TLS (RFC 8705) behind a TLS-terminating reverse proxy.

Django never sees the TLS handshake: the proxy verifies the client's
certificate and forwards it in a header, RFC 9440 ``Client-Cert``
(``:base64-DER:``) by default, or nginx's ``$ssl_client_escaped_cert``
(URL-escaped PEM). The header is believed only when the request comes from
an address in ``TRUSTED_PROXIES`` (see addresses.py): from anywhere else it is ignored, so
a forged header never authenticates anything.

``tls_client_auth``: the certificate chains to ``MTLS_CA_FILE`` and its
subject DN or a SAN equals the one registered for the application.
``self_signed_tls_client_auth``: the certificate's SHA-256 thumbprint is one
registered for the application. Either way the token is bound to the
certificate: ``cnf: {"x5t#S256": thumbprint}``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import verification

from ..addresses import from_trusted_proxy
from ..app_settings import app_settings
from ..models import Application

logger = logging.getLogger("m2m_auth.mtls")

TLS_CLIENT_AUTH, SELF_SIGNED = "tls_client_auth", "self_signed_tls_client_auth"
MAX_HEADER = 16384
# The Web PKI profile demands a SAN; RFC 8705 clients are often named by their subject DN alone.
END_ENTITY_POLICY = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None
)


def _may_sign_certificates(policy, certificate, key_usage: x509.KeyUsage | None) -> None:
    if key_usage is not None and not key_usage.key_cert_sign:
        raise ValueError("the CA's key usage does not allow signing certificates")


# Private client CAs made with `openssl req -x509` carry no key usage; OpenSSL and
# nginx accept them, and so do we, as long as a key usage present allows keyCertSign.
CA_POLICY = verification.ExtensionPolicy.webpki_defaults_ca().may_be_present(
    x509.KeyUsage, verification.Criticality.AGNOSTIC, _may_sign_certificates
)


def header_meta_key() -> str:
    return "HTTP_" + app_settings.MTLS_CERT_HEADER.upper().replace("-", "_")


def presented_certificate(meta: Mapping) -> x509.Certificate | None:
    """The client certificate the trusted proxy forwarded, or None."""
    value = meta.get(header_meta_key(), "")
    if not value or len(value) > MAX_HEADER:
        return None
    if not from_trusted_proxy(meta):
        logger.warning("ignored a client certificate header from untrusted %s", meta.get("REMOTE_ADDR"))
        return None
    try:
        if app_settings.MTLS_CERT_HEADER_FORMAT == "nginx":
            return x509.load_pem_x509_certificate(unquote(value).encode())
        return x509.load_der_x509_certificate(base64.b64decode(value.strip().strip(":"), validate=True))
    except ValueError:
        logger.warning("unreadable client certificate header from the proxy (is MTLS_CERT_HEADER_FORMAT right?)")
        return None


def thumbprint(certificate: x509.Certificate) -> str:
    """RFC 8705 section 3.1: base64url SHA-256 of the DER certificate, unpadded."""
    digest = hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def thumbprint_of_pem(pem: bytes) -> str:
    return thumbprint(x509.load_pem_x509_certificate(pem))


def authenticate(client_id: str | None, certificate: x509.Certificate) -> tuple[Application | None, str | None]:
    """The application the certificate authenticates, and the method that did."""
    application = Application.objects.filter(client_id=client_id, is_active=True).first() if client_id else None
    if application is None:
        return None, None
    if thumbprint(certificate) in (application.tls_certificate_thumbprints or []):
        return application, SELF_SIGNED
    if (application.tls_subject_dn or application.tls_san) and _names_match(application, certificate):
        if chains_to_trusted_ca(certificate):
            return application, TLS_CLIENT_AUTH
    return None, None


def _names_match(application: Application, certificate: x509.Certificate) -> bool:
    if application.tls_subject_dn and _same_name(application.tls_subject_dn, certificate.subject):
        return True
    return bool(application.tls_san) and application.tls_san.lower() in subject_alt_names(certificate)


def _same_name(registered: str, subject: x509.Name) -> bool:
    try:
        return x509.Name.from_rfc4514_string(registered) == subject
    except ValueError:
        return False


def subject_alt_names(certificate: x509.Certificate) -> set[str]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    prefixes = {x509.DNSName: "dns", x509.UniformResourceIdentifier: "uri", x509.IPAddress: "ip",
                x509.RFC822Name: "email"}
    return {f"{prefixes[type(name)]}:{name.value}".lower() for name in names if type(name) in prefixes}


def chains_to_trusted_ca(certificate: x509.Certificate) -> bool:
    try:
        store = configured_ca_store()
    except (OSError, ValueError) as error:  # check E016 reports it; until fixed, no chain is trusted
        logger.error("cannot read MTLS_CA_FILE: %s", error)
        return False
    if store is None:
        return False
    verifier = (
        verification.PolicyBuilder().store(store).time(datetime.now(UTC))
        .extension_policies(ca_policy=CA_POLICY, ee_policy=END_ENTITY_POLICY)
        .build_client_verifier()
    )
    try:
        verifier.verify(certificate, [])
    except verification.VerificationError as error:
        logger.warning("client certificate %s does not chain to MTLS_CA_FILE: %s", certificate.subject.rfc4514_string(),
                       error)
        return False
    return True


def configured_ca_store() -> verification.Store | None:
    """The ``MTLS_CA_FILE`` bundle, None when unset; OSError or ValueError when it cannot be used."""
    path = app_settings.MTLS_CA_FILE
    return trusted_store(path, os.stat(path).st_mtime_ns) if path else None


@lru_cache(maxsize=4)
def trusted_store(path: str, modified: int) -> verification.Store:
    """The CA bundle, read again when the file changes (``modified`` is its mtime)."""
    with open(path, "rb") as handle:
        return verification.Store(x509.load_pem_x509_certificates(handle.read()))

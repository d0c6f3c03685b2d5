"""Test certificates: a CA, certificates it issues, self-signed ones."""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def rfc9440(self) -> str:
        return ":" + base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode() + ":"

    def nginx_escaped(self) -> str:
        return quote(self.pem.decode(), safe="")

    def write(self, directory: Path, name: str) -> tuple[str, str]:
        cert, key = directory / f"{name}.pem", directory / f"{name}.key"
        cert.write_bytes(self.pem)
        key.write_bytes(self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return str(cert), str(key)


def _name(common_name: str, organization: str = "m2m-auth tests") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=2)))


def certificate_authority(name: str = "Test CA", *, key_usage: bool | None = True) -> Issued:
    """``key_usage``: True may sign certificates, False may not, None leaves the extension out (as openssl does)."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_builder(_name(name), _name(name), key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if key_usage is not None:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=key_usage, crl_sign=key_usage, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    return Issued(builder.sign(key, hashes.SHA256()), key)


def issue(ca: Issued, common_name: str, *, dns: list[str] = (), ips: list[str] = (), server: bool = False) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    names = [x509.DNSName(name) for name in dns] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    builder = (_builder(_name(common_name), ca.certificate.subject, key.public_key())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def self_signed(common_name: str) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _builder(_name(common_name), _name(common_name), key.public_key())
    return Issued(builder.sign(key, hashes.SHA256()), key)

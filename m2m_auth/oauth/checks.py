"""System checks for the OAuth server's settings (m2m_auth.E009-E016, W003-W005, W021)."""

from __future__ import annotations

from numbers import Number
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from cryptography.fernet import Fernet

from ..app_settings import app_settings
from .proxy_checks import check_proxies
from ..models import SigningKey

NUMBERS = ("JWT_LEEWAY", "SECRET_ROTATION_OVERLAP", "CLIENT_AUTH_FAILURES_PER_CLIENT",
           "CLIENT_AUTH_FAILURES_PER_ADDRESS", "CLIENT_AUTH_FAILURE_WINDOW")
LOCAL_CACHES = ("LocMemCache", "DummyCache")


def _is_jwt_authentication(path) -> bool:
    """Whichever dotted path names it (m2m_auth.authentication or .oauth.authentication), or a subclass."""
    from .authentication import JWTAuthentication

    try:
        named = import_string(path) if isinstance(path, str) else path
    except ImportError:
        return False
    return isinstance(named, type) and issubclass(named, JWTAuthentication)


def _is_issuer(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc and not parts.query and not parts.fragment)


@register(Tags.security)
def check_oauth_settings(app_configs=None, **kwargs):
    errors = []
    classes = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_AUTHENTICATION_CLASSES", [])
    audience = app_settings.JWT_AUDIENCE
    if any(_is_jwt_authentication(path) for path in classes) and (not isinstance(audience, (list, tuple)) or not audience):
        errors.append(Error("JWTAuthentication needs M2M_AUTH['JWT_AUDIENCE'], the resource identifiers it serves.",
                            hint='e.g. ["https://api.example.com"]', id="m2m_auth.E010"))
    for name in ("ISSUER", "REMOTE_ISSUER"):
        value = getattr(app_settings, name)
        if value is not None and not _is_issuer(value):
            errors.append(Error(f"M2M_AUTH[{name!r}] must be an http(s) URL without query or fragment.",
                                id="m2m_auth.E011"))
    errors.extend(_check_signing())
    errors.extend(_check_mtls())
    errors.extend(check_proxies())
    for name in NUMBERS:
        value = getattr(app_settings, name)
        if not isinstance(value, Number) or isinstance(value, bool) or value < 0:
            errors.append(Error(f"M2M_AUTH[{name!r}] must be a number, zero or more.", id="m2m_auth.E012"))
    return errors


def _check_signing():
    if app_settings.SIGNING_ALGORITHM not in SigningKey.Algorithm.values:
        yield Error("M2M_AUTH['SIGNING_ALGORITHM'] must be RS256, ES256 or EdDSA.", id="m2m_auth.E013")
    configured = app_settings.SIGNING_KEY_ENCRYPTION_KEYS
    if not isinstance(configured, (list, tuple)) or not all(_is_fernet_key(key) for key in configured):
        yield Error("M2M_AUTH['SIGNING_KEY_ENCRYPTION_KEYS'] must be a list of Fernet keys, newest first.",
                    hint="python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
                    id="m2m_auth.E009")


def _is_fernet_key(key) -> bool:
    try:
        Fernet(key)
    except (TypeError, ValueError):
        return False
    return True


def _check_mtls():
    if app_settings.MTLS_CERT_HEADER_FORMAT not in ("rfc9440", "nginx"):
        yield Error("M2M_AUTH['MTLS_CERT_HEADER_FORMAT'] must be 'rfc9440' or 'nginx'.", id="m2m_auth.E015")
    from . import mtls

    try:
        mtls.configured_ca_store()
    except (OSError, ValueError):
        yield Error(f"M2M_AUTH['MTLS_CA_FILE'] {app_settings.MTLS_CA_FILE!r} is not a readable PEM file of CA "
                    "certificates.", id="m2m_auth.E016")


@register(Tags.security, deploy=True)
def check_signing_key_encryption(app_configs=None, **kwargs):
    if app_settings.SIGNING_KEY_ENCRYPTION_KEYS:
        return []
    return [Warning(
        "Signing keys are encrypted with a key derived from SECRET_KEY.",
        hint="Set M2M_AUTH['SIGNING_KEY_ENCRYPTION_KEYS']; until then keep old SECRET_KEYs in SECRET_KEY_FALLBACKS.",
        id="m2m_auth.W003",
    )]


@register(Tags.security, deploy=True)
def check_issuer_for_deploy(app_configs=None, **kwargs):
    if app_settings.ISSUER or app_settings.REMOTE_ISSUER:
        return []
    return [Warning(
        "M2M_AUTH['ISSUER'] is unset: the issuer is derived from each request's host, so a token "
        "issued at one name (127.0.0.1) is refused at another (localhost), and a forged Host header changes it.",
        hint="Set M2M_AUTH['ISSUER'] to the public https URL of this server (the demo: M2M_AUTH_ISSUER).",
        id="m2m_auth.W021",
    )]


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    backend = settings.CACHES.get(app_settings.CACHE, {}).get("BACKEND", "")
    if backend.rsplit(".", 1)[-1] in LOCAL_CACHES:
        return [Warning(
            "The cache m2m_auth uses is private to each process: rate limits and JWT revocations "
            "will not hold across workers.",
            hint="Use Django's Redis cache or database cache (M2M_AUTH['CACHE'] names the alias).",
            id="m2m_auth.W004",
        )]
    return []

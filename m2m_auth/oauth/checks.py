"""System checks for the OAuth server's settings (m2m_auth.E010-E012, W004)."""

from __future__ import annotations

from numbers import Number
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from ..app_settings import app_settings

JWT_CLASS = "m2m_auth.authentication.JWTAuthentication"
NUMBERS = ("JWT_LEEWAY", "SECRET_ROTATION_OVERLAP", "CLIENT_AUTH_FAILURES_PER_CLIENT",
           "CLIENT_AUTH_FAILURES_PER_ADDRESS", "CLIENT_AUTH_FAILURE_WINDOW")
LOCAL_CACHES = ("LocMemCache", "DummyCache")


def _is_issuer(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc and not parts.query and not parts.fragment)


@register(Tags.security)
def check_oauth_settings(app_configs=None, **kwargs):
    errors = []
    classes = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_AUTHENTICATION_CLASSES", [])
    audience = app_settings.JWT_AUDIENCE
    if JWT_CLASS in classes and (not isinstance(audience, (list, tuple)) or not audience):
        errors.append(Error("JWTAuthentication needs M2M_AUTH['JWT_AUDIENCE'], the resource identifiers it serves.",
                            hint='e.g. ["https://api.example.com"]', id="m2m_auth.E010"))
    for name in ("ISSUER", "REMOTE_ISSUER"):
        value = getattr(app_settings, name)
        if value is not None and not _is_issuer(value):
            errors.append(Error(f"M2M_AUTH[{name!r}] must be an http(s) URL without query or fragment.",
                                id="m2m_auth.E011"))
    for name in NUMBERS:
        value = getattr(app_settings, name)
        if not isinstance(value, Number) or isinstance(value, bool) or value < 0:
            errors.append(Error(f"M2M_AUTH[{name!r}] must be a number, zero or more.", id="m2m_auth.E012"))
    return errors


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

"""System checks for the M2M_AUTH settings (ids m2m_auth.E0xx / W0xx)."""

from __future__ import annotations

import re
from numbers import Number

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .app_settings import DEFAULTS

HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")
HANDLER = "m2m_auth.handlers.exception_handler"


@register(Tags.security)
def check_settings(app_configs=None, **kwargs):
    raw = getattr(settings, "M2M_AUTH", {})
    if not isinstance(raw, dict):
        return [Error("M2M_AUTH must be a dict.", hint="M2M_AUTH = {...}", id="m2m_auth.E001")]
    errors = [
        Error(f"Unknown M2M_AUTH setting {name!r}.", hint=f"Known: {', '.join(sorted(DEFAULTS))}.", id="m2m_auth.E002")
        for name in sorted(set(raw) - set(DEFAULTS))
    ]
    vendor = raw.get("VENDOR", DEFAULTS["VENDOR"])
    if not isinstance(vendor, str) or not re.fullmatch(r"[a-z][a-z0-9]{1,9}", vendor):
        errors.append(Error("M2M_AUTH['VENDOR'] must be 2-10 lowercase letters or digits.", hint="e.g. 'acme'", id="m2m_auth.E003"))
    header = raw.get("API_KEY_HEADER", DEFAULTS["API_KEY_HEADER"])
    if not isinstance(header, str) or not HEADER.fullmatch(header) or header.lower() == "authorization":
        errors.append(Error("M2M_AUTH['API_KEY_HEADER'] must be a header name other than Authorization.", hint="e.g. 'X-API-Key'", id="m2m_auth.E004"))
    errors.extend(_check_durations(raw))
    pepper = raw.get("PEPPER")
    if pepper is not None and (not isinstance(pepper, (str, bytes)) or len(pepper) < 32):
        errors.append(Error("M2M_AUTH['PEPPER'] must be a string of at least 32 characters.", hint="python -c 'import secrets; print(secrets.token_urlsafe(48))'", id="m2m_auth.E006"))
    if not isinstance(raw.get("PREVIOUS_PEPPERS", []), (list, tuple)):
        errors.append(Error("M2M_AUTH['PREVIOUS_PEPPERS'] must be a list.", id="m2m_auth.E007"))
    return errors


def _check_durations(raw):
    for name in ("LAST_USED_INTERVAL", "FAILED_AUTH_AUDIT_INTERVAL", "PAT_DEFAULT_LIFETIME", "PAT_MAX_LIFETIME", "API_KEY_DEFAULT_LIFETIME", "AUDIT_RETENTION"):
        value = raw.get(name, DEFAULTS[name])
        nullable = name in ("API_KEY_DEFAULT_LIFETIME", "AUDIT_RETENTION") and value is None
        if not nullable and (not isinstance(value, Number) or isinstance(value, bool) or value < 0):
            yield Error(f"M2M_AUTH[{name!r}] must be a number of seconds, zero or more.", id="m2m_auth.E005")
    default, maximum = raw.get("PAT_DEFAULT_LIFETIME", DEFAULTS["PAT_DEFAULT_LIFETIME"]), raw.get("PAT_MAX_LIFETIME", DEFAULTS["PAT_MAX_LIFETIME"])
    if isinstance(default, Number) and isinstance(maximum, Number) and default > maximum:
        yield Error("M2M_AUTH['PAT_DEFAULT_LIFETIME'] exceeds PAT_MAX_LIFETIME.", id="m2m_auth.E008")


@register()
def check_exception_handler(app_configs=None, **kwargs):
    handler = getattr(settings, "REST_FRAMEWORK", {}).get("EXCEPTION_HANDLER")
    if handler != HANDLER:
        return [Warning(
            "403 answers for missing scopes will lack the RFC 6750 insufficient_scope challenge.",
            hint=f'Set REST_FRAMEWORK["EXCEPTION_HANDLER"] = "{HANDLER}" (or call it from yours).',
            id="m2m_auth.W001",
        )]
    return []


@register(Tags.security, deploy=True)
def check_pepper_for_deploy(app_configs=None, **kwargs):
    if getattr(settings, "M2M_AUTH", {}).get("PEPPER") if isinstance(getattr(settings, "M2M_AUTH", {}), dict) else True:
        return []
    return [Warning(
        "Secret hashes are keyed with a pepper derived from SECRET_KEY.",
        hint="Set M2M_AUTH['PEPPER'] to its own secret; until then keep the old SECRET_KEY in SECRET_KEY_FALLBACKS when rotating it, or every credential stops working.",
        id="m2m_auth.W002",
    )]

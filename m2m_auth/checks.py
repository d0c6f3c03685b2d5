"""System checks for the M2M_AUTH settings (ids m2m_auth.E0xx / W0xx)."""

from __future__ import annotations

import re
from numbers import Number

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .app_settings import DEFAULTS
from .durations import MAX_DURATION, describe

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
    errors.extend(_check_types(raw))
    pepper = raw.get("PEPPER")
    if pepper is not None and (not isinstance(pepper, (str, bytes)) or len(pepper) < 32):
        errors.append(Error("M2M_AUTH['PEPPER'] must be a string of at least 32 characters.", hint="python -c 'import secrets; print(secrets.token_urlsafe(48))'", id="m2m_auth.E006"))
    if not isinstance(raw.get("PREVIOUS_PEPPERS", []), (list, tuple)):
        errors.append(Error("M2M_AUTH['PREVIOUS_PEPPERS'] must be a list.", id="m2m_auth.E007"))
    elif not _strings(raw.get("PREVIOUS_PEPPERS", [])):
        errors.append(Error("M2M_AUTH['PREVIOUS_PEPPERS'] must hold strings.", id="m2m_auth.E007"))
    return errors


DURATIONS = ("LAST_USED_INTERVAL", "FAILED_AUTH_AUDIT_INTERVAL", "PAT_DEFAULT_LIFETIME", "PAT_MAX_LIFETIME",
             "API_KEY_DEFAULT_LIFETIME", "CLIENT_SECRET_LIFETIME", "AUDIT_RETENTION")
# None means "never expires" (or "kept for ever") for these.
NULLABLE_DURATIONS = ("API_KEY_DEFAULT_LIFETIME", "CLIENT_SECRET_LIFETIME", "AUDIT_RETENTION")


def _check_durations(raw):
    longest = MAX_DURATION.total_seconds()
    for name in DURATIONS:
        value = raw.get(name, DEFAULTS[name])
        if value is None and name in NULLABLE_DURATIONS:
            continue
        if not isinstance(value, Number) or isinstance(value, bool) or not 0 <= value <= longest:
            none = " or None" if name in NULLABLE_DURATIONS else ""
            yield Error(f"M2M_AUTH[{name!r}] must be a number of seconds from 0 to {longest:.0f} (100 years){none}; "
                        f"it is {value!r}.", hint=f"e.g. {DEFAULTS['PAT_DEFAULT_LIFETIME']} for "
                        f"{describe(DEFAULTS['PAT_DEFAULT_LIFETIME'])}", id="m2m_auth.E005")
    default, maximum = raw.get("PAT_DEFAULT_LIFETIME", DEFAULTS["PAT_DEFAULT_LIFETIME"]), raw.get("PAT_MAX_LIFETIME", DEFAULTS["PAT_MAX_LIFETIME"])
    if isinstance(default, Number) and isinstance(maximum, Number) and default > maximum:
        yield Error(f"M2M_AUTH['PAT_DEFAULT_LIFETIME'] ({describe(default)}) exceeds PAT_MAX_LIFETIME "
                    f"({describe(maximum)}).", id="m2m_auth.E008")


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


def _strings(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, (str, bytes)) for item in value)


EXPECTED = {
    "JWT_REVOCATION_CHECK": (lambda value: isinstance(value, bool), "True or False"),
    "BASE_TEMPLATE": (lambda value: isinstance(value, str), "a template name"),
    "CACHE": (lambda value: isinstance(value, str), "a cache alias"),
    "JWT_AUDIENCE": (_strings, 'a list of resource identifiers, e.g. ["https://api.example.com"]'),
}


def _check_types(raw):
    """The settings no other check reads: right type, or an error naming it (E040)."""
    for name, (valid, what) in EXPECTED.items():
        value = raw.get(name, DEFAULTS[name])
        if not valid(value):
            yield Error(f"M2M_AUTH[{name!r}] must be {what}; it is {value!r}.", id="m2m_auth.E040")
    header = raw.get("MTLS_CERT_HEADER", DEFAULTS["MTLS_CERT_HEADER"])
    if not isinstance(header, str) or not HEADER.fullmatch(header):
        yield Error("M2M_AUTH['MTLS_CERT_HEADER'] must be a header name.", hint="e.g. 'Client-Cert'", id="m2m_auth.E040")


REQUIRED_APPS = {
    "oauth2_provider": "m2m_auth's OAuth endpoints are built on django-oauth-toolkit",
}


@register()
def check_installed_apps(app_configs=None, **kwargs):
    """Apps m2m_auth needs beside it; reported before the URL checks would fail on them."""
    errors = [
        Error(f"{app!r} is missing from INSTALLED_APPS: {why}.",
              hint=f'INSTALLED_APPS = [..., "rest_framework", "{app}", "m2m_auth"]', id="m2m_auth.E041")
        for app, why in REQUIRED_APPS.items() if not apps.is_installed(app)
    ]
    if not apps.is_installed("rest_framework"):
        errors.append(Warning(
            "'rest_framework' is missing from INSTALLED_APPS: DRF's browsable API cannot render its pages.",
            hint='INSTALLED_APPS = [..., "rest_framework", "oauth2_provider", "m2m_auth"]', id="m2m_auth.W040"))
    return errors

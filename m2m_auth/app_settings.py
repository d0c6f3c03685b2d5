"""The ``M2M_AUTH`` settings dict, read on every access.

Nothing is copied at import time, so ``override_settings(M2M_AUTH=...)`` works
everywhere. The merged values, and what the request path derives from them
(``derived``: peppers, prefixes, proxy networks...), are remembered for the
dict they came from and forgotten when Django reports a settings change.
Misconfiguration is reported by the system checks in ``checks.py``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.core.signals import setting_changed

from . import crypto

DAY = 24 * 3600
_Derived = TypeVar("_Derived")

DEFAULTS: dict[str, Any] = {
    # First part of every secret's prefix: m2m_ak_, m2m_pat_, m2m_cs_.
    "VENDOR": "m2m",
    # Header that carries an API key (besides "Authorization: Bearer").
    "API_KEY_HEADER": "X-API-Key",
    # Server-side key of the secret hashes. None derives one from SECRET_KEY.
    "PEPPER": None,
    # Peppers that still verify hashes made before a pepper change.
    "PREVIOUS_PEPPERS": [],
    # At most one last-used write per credential per this many seconds.
    "LAST_USED_INTERVAL": 60,
    # At most one failed-authentication audit record per address and
    # credential per this many seconds.
    "FAILED_AUTH_AUDIT_INTERVAL": 60,
    # Cache alias used to coalesce audit records.
    "CACHE": "default",
    # ``m2m prune`` deletes audit events older than this many seconds (None: keep them all).
    "AUDIT_RETENTION": 365 * DAY,
    "API_KEY_DEFAULT_LIFETIME": None,
    # Rolling an API key: how long the old key keeps working (seconds).
    "API_KEY_ROLL_OVERLAP": DAY,
    # A credential (key, PAT, client secret, registered certificate) expiring
    # within this many seconds is "expiring soon": listed, signalled once
    # (``m2m notify-expiring``) and, with EXPIRY_WARNING_EMAIL, mailed to its
    # owner or creator, else to EXPIRY_WARNING_RECIPIENTS.
    "EXPIRY_WARNING_WINDOW": 7 * DAY,
    "EXPIRY_WARNING_EMAIL": False,
    "EXPIRY_WARNING_RECIPIENTS": [],
    "PAT_DEFAULT_LIFETIME": 30 * DAY,
    "PAT_MAX_LIFETIME": 366 * DAY,
    # JWT signing: RS256, ES256 or EdDSA; Fernet keys (newest first) that
    # encrypt the private keys at rest, [] derives one from SECRET_KEY.
    "SIGNING_ALGORITHM": "RS256",
    "SIGNING_KEY_ENCRYPTION_KEYS": [],
    # The reverse proxies (addresses or CIDR networks, "unix" for a Unix
    # socket) whose forwarding header names the client's address, and whose
    # forwarded client certificates are believed (see addresses.py).
    "TRUSTED_PROXIES": [],
    # "X-Forwarded-For" (rightmost untrusted hop) or RFC 7239 "Forwarded".
    "FORWARDED_HEADER": "X-Forwarded-For",
    # Deprecated alias of TRUSTED_PROXIES, used while that is unset (check W020).
    "MTLS_TRUSTED_PROXIES": [],
    # Mutual TLS behind a TLS-terminating proxy: the verified client
    # certificate arrives in a header from a trusted proxy; the header's
    # format is "rfc9440" or "nginx" (URL-escaped PEM); the CA bundle (a PEM
    # file) that tls_client_auth certificates chain to.
    "MTLS_CERT_HEADER": "Client-Cert",
    "MTLS_CERT_HEADER_FORMAT": "rfc9440",
    "MTLS_CA_FILE": None,
    # The site template the self-service pages extend (it must define a
    # "content" block); m2m_auth/base.html when it does not exist.
    "BASE_TEMPLATE": "base.html",
    # OAuth authorization server. ISSUER None derives it from the request.
    "ISSUER": None,
    # Audiences (resource identifiers) this server's JWT authentication accepts.
    "JWT_AUDIENCE": [],
    # Verify JWTs of this issuer from its metadata and JWKS alone (remote mode).
    "REMOTE_ISSUER": None,
    "JWT_LEEWAY": 30,
    # Issuer: how long resource servers may cache the JWKS (its max-age); a
    # new signing key signs only after it has been published for that long.
    "JWKS_MAX_AGE": 300,
    # Issuer: how often followers of the revocation feed are asked to poll it.
    "REVOCATION_FEED_POLL_INTERVAL": 0.3,
    # Remote resource server: a revocation feed older than STALE_AFTER seconds
    # is logged and reported by the health endpoint; past REFUSE_AFTER (None:
    # never) every issuer-backed credential is answered 503 instead.
    "REMOTE_FEED_STALE_AFTER": 10,
    "REMOTE_FEED_REFUSE_AFTER": None,
    # Remote resource server: its own client credentials (an application with
    # the m2m:introspect scope) for API keys and PATs, introspected at the
    # issuer; a positive answer is reused for at most this many seconds.
    "REMOTE_CLIENT_ID": None,
    "REMOTE_CLIENT_SECRET": None,
    "REMOTE_INTROSPECTION_CACHE_SECONDS": 30,
    # Check the jti deny-list (kept in the cache) when verifying JWTs locally.
    "JWT_REVOCATION_CHECK": True,
    # A new client secret's lifetime (None: no expiry); on rotation the older
    # secrets are cut to this overlap window.
    "CLIENT_SECRET_LIFETIME": None,
    "SECRET_ROTATION_OVERLAP": 7 * DAY,
    # Failed client authentications allowed per sliding window (seconds), per
    # client id and address, and per address; 0 turns a limit off.
    "CLIENT_AUTH_FAILURES_PER_CLIENT": 10,
    "CLIENT_AUTH_FAILURES_PER_ADDRESS": 30,
    "CLIENT_AUTH_FAILURE_WINDOW": 60,
}

class AppSettings:
    def __init__(self) -> None:
        self._source: object = None
        self._values: dict[str, Any] = {}
        self._derived: dict[Callable, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(name)
        return self.values()[name]

    def values(self) -> dict[str, Any]:
        """Every setting, the defaults filled in."""
        source = user_settings()
        if source is not self._source:
            self._values = {**DEFAULTS, **{k: v for k, v in source.items() if k in DEFAULTS}}
            self._derived = {}
            self._source = source
        return self._values

    def derived(self, build: Callable[[dict[str, Any]], _Derived]) -> _Derived:
        """``build(values())``, made once per settings: what a request would otherwise derive anew."""
        values = self.values()
        try:
            return self._derived[build]
        except KeyError:
            made = self._derived[build] = build(values)
            return made

    def forget(self, **kwargs: Any) -> None:
        self._source, self._derived = None, {}

    def prefix(self, kind: str) -> str:
        """The typed prefix of a secret kind, e.g. ``m2m_ak_`` (see ``hashing.prefix``)."""
        from . import hashing  # hashing reads these settings

        return hashing.prefix(kind)

    def current_pepper(self) -> bytes:
        if self.PEPPER:
            return _as_bytes(self.PEPPER)
        return _derived_pepper(settings.SECRET_KEY)

    def peppers(self) -> dict[str, bytes]:
        """Every pepper that may verify a stored hash, by pepper id."""
        return self.derived(_all_peppers)


def _all_peppers(values: dict[str, Any]) -> dict[str, bytes]:
    keys = [app_settings.current_pepper(), *map(_as_bytes, values["PREVIOUS_PEPPERS"])]
    if values["PEPPER"]:
        keys.append(_derived_pepper(settings.SECRET_KEY))
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", [])
    keys.extend(_derived_pepper(key) for key in fallbacks)
    return {crypto.pepper_id(key): key for key in keys}


def user_settings() -> dict[str, Any]:
    value = getattr(settings, "M2M_AUTH", {})
    return value if isinstance(value, dict) else {}


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


@lru_cache(maxsize=16)
def _derived_pepper(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"m2m_auth.pepper", hashlib.sha256).digest()


app_settings = AppSettings()


def _forget_on_change(setting: str, **kwargs: Any) -> None:
    if setting in ("M2M_AUTH", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        app_settings.forget()


setting_changed.connect(_forget_on_change, dispatch_uid="m2m_auth.app_settings")

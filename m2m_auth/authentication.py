"""DRF authentication for API keys and personal access tokens.

Each class is a pipeline of small overridable steps::

    get_raw_token -> parse (no query) -> lookup (one query) -> verify -> refusal
                  -> touch last-used (coalesced) -> (principal, AuthContext)

A class returns None when the request carries no credential of its kind
(so the next class may try) and raises ``AuthenticationFailed`` when it
carries one that is bad: a presented credential never falls through to
anonymous access. Every rejection has the same body, whatever the reason;
the reason goes to the log and, coalesced, to the audit log.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from . import audit, hashing, last_used, lookup
from .app_settings import app_settings
from .principals import AuthContext, MachinePrincipal

logger = logging.getLogger("m2m_auth.authentication")

INVALID = _("Invalid credentials.")


def bearer_token(request: Any) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def header_meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


class SecretAuthentication(BaseAuthentication):
    kind = ""
    realm = "api"

    def authenticate(self, request):
        token = self.get_raw_token(request)
        if token is None:
            return None
        return self.authenticate_token(request, token)

    def authenticate_header(self, request) -> str:
        if getattr(request, "_m2m_auth_rejected", False):
            return f'Bearer realm="{self.realm}", error="invalid_token"'
        return f'Bearer realm="{self.realm}"'

    def get_raw_token(self, request) -> str | None:
        token = bearer_token(request)
        if token is not None and token.startswith(app_settings.prefix(self.kind)):
            return token
        return None

    def authenticate_token(self, request, token: str):
        parsed = hashing.parse(token, self.kind)
        if parsed is None:
            self.reject(request, None, "malformed")
        credential = self.lookup(parsed.public_id)
        if credential is None:
            self.reject(request, parsed.public_id, "unknown id")
        if not hashing.matches(parsed.token, credential.secret_hash):
            self.reject(request, parsed.public_id, "wrong secret")
        reason = self.refusal(credential)
        if reason:
            self.reject(request, parsed.public_id, reason)
        last_used.touch(credential, request)
        return self.principal(credential), self.context(credential)

    def lookup(self, public_id: str):
        raise NotImplementedError

    def refusal(self, credential) -> str | None:
        """Why a genuine credential may not be used now, or None."""
        if credential.revoked_at is not None:
            return "revoked"
        if credential.is_expired:
            return "expired"
        return None

    def principal(self, credential):
        raise NotImplementedError

    def context(self, credential) -> AuthContext:
        raise NotImplementedError

    def reject(self, request, public_id: str | None, reason: str):
        request._m2m_auth_rejected = True
        address = audit.client_address(request)
        if public_id is None:
            logger.debug("rejected malformed %s from %s", self.kind, address)
        else:
            audit.failed_authentication(self.kind, public_id, address, reason)
        raise exceptions.AuthenticationFailed(INVALID)


class ApiKeyAuthentication(SecretAuthentication):
    """``X-API-Key: <key>`` (header name configurable) or ``Authorization: Bearer <key>``."""

    kind = "api_key"

    def get_raw_token(self, request) -> str | None:
        value = request.META.get(header_meta_key(app_settings.API_KEY_HEADER))
        if value is not None:
            return value.strip()
        return super().get_raw_token(request)

    def lookup(self, public_id: str):
        return lookup.find_api_key(public_id)

    def refusal(self, credential) -> str | None:
        if credential.application_id is not None and not credential.owner_active:
            return "application disabled"
        return super().refusal(credential)

    def principal(self, credential) -> MachinePrincipal:
        return MachinePrincipal(self.kind, credential.public_id, credential.name, credential.owner_client_id)

    def context(self, credential) -> AuthContext:
        scopes = lookup.split_scopes(credential.direct_scopes, credential.role_scopes)
        return AuthContext(self.kind, credential.public_id, scopes, credential.owner_client_id, credential)


class PersonalAccessTokenAuthentication(SecretAuthentication):
    """``Authorization: Bearer <token>``; the request acts as the token's user."""

    kind = "personal_access_token"

    def lookup(self, public_id: str):
        return lookup.find_personal_access_token(public_id)

    def refusal(self, credential) -> str | None:
        if not credential.user.is_active:
            return "user inactive"
        return super().refusal(credential)

    def principal(self, credential):
        return credential.user

    def context(self, credential) -> AuthContext:
        scopes = lookup.split_scopes(credential.effective_scopes)
        return AuthContext(self.kind, credential.public_id, scopes, None, credential, credential.user.get_username())


LAZY = {
    "JWTAuthentication": "authentication",
    "RemoteApiKeyAuthentication": "remote_introspection",
    "RemotePersonalAccessTokenAuthentication": "remote_introspection",
}


def __getattr__(name: str):
    # These live with the OAuth server; imported lazily to avoid a cycle.
    if name in LAZY:
        from importlib import import_module

        return getattr(import_module(f"m2m_auth.oauth.{LAZY[name]}"), name)
    raise AttributeError(name)

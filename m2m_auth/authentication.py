"""DRF authentication for API keys and personal access tokens.

Each class is a pipeline of small overridable steps::

    get_raw_token -> verification.verify (parse with no query, one query,
                     hash check, refusal, coalesced last-used touch)
                  -> (principal, AuthContext)

A class returns None when the request carries no credential of its kind
(so the next class may try) and raises ``AuthenticationFailed`` when it
carries one that is bad: a presented credential never falls through to
anonymous access. Every rejection has the same body, whatever the reason;
the reason goes to the log and, coalesced, to the audit log. A database or
cache outage raises ``outages.ServiceUnavailable`` (503, Retry-After).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from . import audit, challenges, hashing, verification
from .app_settings import app_settings
from .outages import as_503, outage_errors
from .principals import AuthContext, MachinePrincipal

INVALID = _("Invalid credentials.")


def bearer_token(request: Any) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def header_meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def api_key_meta_key(values: dict[str, Any]) -> str:
    return header_meta_key(values["API_KEY_HEADER"])


class SecretAuthentication(BaseAuthentication):
    kind = ""
    realm = "api"

    def authenticate(self, request):
        try:
            token = self.get_raw_token(request)
            if token is None:
                return None
            return self.authenticate_token(request, token)
        except outage_errors() as error:  # a database or cache outage is a 503, not a 500
            raise as_503(error) from error

    def authenticate_header(self, request) -> str:
        return challenges.challenge(request, self.realm, getattr(request, "_m2m_auth_rejected", False))

    def accepted_forms(self) -> list[str]:
        """How a request presents this kind of credential (named in the 401 hint)."""
        return [challenges.BEARER_FORM]

    def get_raw_token(self, request) -> str | None:
        token = bearer_token(request)
        if token is not None and token.startswith(hashing.prefix(self.kind)):
            return token
        return None

    def authenticate_token(self, request, token: str):
        address = audit.client_address(request)
        verdict = verification.verify(self.kind, token, address)
        if not verdict.accepted:
            self.reject(request, verdict, address)
        return self.principal(verdict.credential), self.context(verdict.credential)

    def principal(self, credential):
        raise NotImplementedError

    def context(self, credential) -> AuthContext:
        raise NotImplementedError

    def reject(self, request, verdict: verification.Verdict, address: str | None):
        request._m2m_auth_rejected = True
        audit.failed_authentication(self.kind, verdict.public_id, address, verdict.reason)
        raise exceptions.AuthenticationFailed(INVALID)


class ApiKeyAuthentication(SecretAuthentication):
    """``X-API-Key: <key>`` (header name configurable) or ``Authorization: Bearer <key>``."""

    kind = "api_key"

    def accepted_forms(self) -> list[str]:
        return [f"{app_settings.API_KEY_HEADER}: <key>", challenges.BEARER_FORM]

    def get_raw_token(self, request) -> str | None:
        value = request.META.get(app_settings.derived(api_key_meta_key))
        if value is not None:
            return value.strip()
        return super().get_raw_token(request)

    def principal(self, credential) -> MachinePrincipal:
        return MachinePrincipal(self.kind, credential.public_id, credential.name, credential.owner_client_id)

    def context(self, credential) -> AuthContext:
        return AuthContext(self.kind, credential.public_id, credential.granted_scopes, credential.owner_client_id,
                           credential)


class PersonalAccessTokenAuthentication(SecretAuthentication):
    """``Authorization: Bearer <token>``; the request acts as the token's user."""

    kind = "personal_access_token"

    def principal(self, credential):
        return credential.user

    def context(self, credential) -> AuthContext:
        return AuthContext(self.kind, credential.public_id, credential.granted_scopes, None, credential,
                           credential.user.get_username())


LAZY = {
    "JWTAuthentication": "authentication",
    "RemoteApiKeyAuthentication": "remote_introspection",
    "RemotePersonalAccessTokenAuthentication": "remote_introspection",
}



def secret_authentication(kind: str) -> type[SecretAuthentication]:
    """The DRF authentication class of a secret kind (``api_key``, ``personal_access_token``)."""
    return next(cls for cls in (ApiKeyAuthentication, PersonalAccessTokenAuthentication) if cls.kind == kind)


def __getattr__(name: str):
    # These live with the OAuth server; imported lazily to avoid a cycle.
    if name in LAZY:
        from importlib import import_module

        return getattr(import_module(f"m2m_auth.oauth.{LAZY[name]}"), name)
    raise AttributeError(name)

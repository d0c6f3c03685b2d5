"""drf-spectacular extensions: the security schemes of m2m_auth's authentication classes.

Imported by ``M2MAuthConfig.ready()`` when drf-spectacular is installed
(``pip install m2m-auth[openapi]``); defining the classes registers them.
Each protected operation lists, per scheme, the scopes its method needs
(``required_scopes`` read by ``HasScopes``), so a client reads from the
schema which credential and which scopes to get.

OpenAPI 3.0 allows scopes in a requirement only for OAuth 2.0 schemes; with
``SPECTACULAR_SETTINGS["OAS_VERSION"] = "3.1.0"`` the API key and bearer
requirements list them too.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from django.db import DatabaseError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.settings import spectacular_settings
from rest_framework.permissions import AND, NOT, OR

from .app_settings import app_settings
from .models import Permission
from .permissions import HasScopes

Alternatives = list[frozenset[str]]


def scope_alternatives(permission: Any, view: Any, method: str) -> Alternatives:
    """Scope sets any one of which satisfies the permission (``[frozenset()]``: no scope needed)."""
    if isinstance(permission, HasScopes):
        return [frozenset(permission.required_for(view, method) or ())]
    if isinstance(permission, (AND, OR)):
        left, right = (scope_alternatives(operand, view, method) for operand in _operands(permission))
        return [a | b for a, b in product(left, right)] if isinstance(permission, AND) else [*left, *right]
    # NOT and permissions that know nothing of scopes add no scope requirement.
    return [frozenset()]


def _operands(permission: Any) -> tuple[Any, Any]:
    # DRF's composed permissions keep their operands as op1 and op2 (the stubs do not declare them).
    return getattr(permission, "op1"), getattr(permission, "op2")


def operation_scopes(auto_schema: Any) -> Alternatives:
    needed: Alternatives = [frozenset()]
    for permission in auto_schema.view.get_permissions():
        needed = [a | b for a, b in product(needed, scope_alternatives(permission, auto_schema.view, auto_schema.method))]
    return list(dict.fromkeys(needed))


class ScopedScheme(OpenApiAuthenticationExtension):
    """A scheme whose requirement lists the operation's scopes where OpenAPI allows it."""

    match_subclasses = True
    lists_scopes = False

    def get_security_requirement(self, auto_schema):
        if self.lists_scopes or spectacular_settings.OAS_VERSION.startswith("3.1"):
            return [{self.name: sorted(scopes)} for scopes in operation_scopes(auto_schema)]
        return {self.name: []}


class ApiKeyScheme(ScopedScheme):
    target_class = "m2m_auth.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": app_settings.API_KEY_HEADER,
            "description": f"An API key ({app_settings.prefix('api_key')}…); also accepted as "
                           "`Authorization: Bearer <key>`.",
        }


class PersonalAccessTokenScheme(ScopedScheme):
    target_class = "m2m_auth.authentication.PersonalAccessTokenAuthentication"
    name = "PersonalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": f"A personal access token ({app_settings.prefix('personal_access_token')}…): "
                           "the request acts as its user.",
        }


class ClientCredentialsScheme(ScopedScheme):
    target_class = "m2m_auth.oauth.authentication.JWTAuthentication"
    name = "OAuth2ClientCredentials"
    lists_scopes = True

    def get_security_definition(self, auto_schema):
        flow = {"tokenUrl": token_url(getattr(auto_schema.view, "request", None)), "scopes": known_scopes()}
        return {
            "type": "oauth2",
            "description": "A JWT access token from the token endpoint (client credentials grant), "
                           "sent as `Authorization: Bearer <jwt>`.",
            "flows": {"clientCredentials": flow},
        }


def token_url(request: Any) -> str:
    if app_settings.REMOTE_ISSUER:
        return app_settings.REMOTE_ISSUER.rstrip("/") + "/oauth/token"
    from .oauth.endpoint import endpoint_url

    return endpoint_url(request, "token")


def known_scopes() -> dict[str, str]:
    """Every scope of every resource, described; none when the tables are not there yet."""
    try:
        permissions = list(Permission.objects.select_related("resource"))
    except DatabaseError:
        return {}
    return {p.scope: p.description or f"{p.scope} on {p.resource.name}" for p in permissions}

"""oauthlib's RequestValidator for M2M applications, on our own models.

Only confidential clients and only the client credentials and token exchange
grants; tokens are stateless JWTs, so nothing is saved when one is issued.
"""

from __future__ import annotations

from oauthlib.oauth2 import RequestValidator

from . import client_auth, grants, mtls
from .client_auth import ClientAuthentication

CLIENT_CREDENTIALS = "client_credentials"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


class M2MRequestValidator(RequestValidator):
    def client_authentication_required(self, request, *args, **kwargs) -> bool:
        return True

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        outcome = client_auth.authenticate_client(
            request.headers.get("Authorization", ""),
            dict(request.decoded_body or []),
            request.m2m_address,
            request.m2m_audiences,
            mtls.presented_certificate(request.m2m_meta),
        )
        request.m2m_client_auth = outcome
        if outcome.application is None:
            return False
        request.client = outcome.application
        request.client_id = outcome.application.client_id
        return True

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        """Token exchange is open to any active client; client credentials need a machine role."""
        if grant_type == TOKEN_EXCHANGE:
            return client.is_active
        return grant_type == CLIENT_CREDENTIALS and client.is_active and grants.has_roles(client)

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        return []

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        """Decides the resource and scopes; raises invalid_target / invalid_scope."""
        held = getattr(request, "m2m_held_scopes", None)
        if held is None:
            held = grants.held_by_application(client)
        request.m2m_grant = grants.decide(held, request.m2m_resources, scopes or [])
        request.scopes = sorted(request.m2m_grant.scopes)
        return True

    def save_token(self, token, request, *args, **kwargs) -> None:
        pass


def failed_client(request) -> ClientAuthentication | None:
    outcome = getattr(request, "m2m_client_auth", None)
    return outcome if outcome is not None and outcome.application is None else None

"""The oauthlib token endpoint: client credentials and token exchange, issuing JWTs."""

from __future__ import annotations

from typing import Any

from oauthlib.common import Request
from oauthlib.oauth2 import BearerToken, ClientCredentialsGrant
from oauthlib.oauth2.rfc6749 import utils
from oauthlib.oauth2.rfc6749.endpoints.token import TokenEndpoint

from .exchange import TokenExchangeGrant
from .tokens import issue_access_token
from .validator import CLIENT_CREDENTIALS, TOKEN_EXCHANGE


def generate_token(request: Request) -> str:
    grant = request.m2m_grant
    subject = getattr(request, "m2m_subject", None) or {}
    confirmation = request.m2m_client_auth.confirmation()
    return issue_access_token(
        issuer_id=request.m2m_issuer,
        client_id=request.client.client_id,
        subject=subject.get("sub", request.client.client_id),
        audience=grant.resource,
        scopes=grant.scopes,
        lifetime=grant.token_ttl,
        extra_claims={**subject, **({"cnf": confirmation} if confirmation else {})},
    )


def token_lifetime(request: Request) -> int:
    return request.m2m_grant.token_ttl


class M2MTokenServer(TokenEndpoint):
    def __init__(self, request_validator, **kwargs: Any) -> None:
        bearer = BearerToken(request_validator, token_generator=generate_token, expires_in=token_lifetime)
        grant_types = {
            CLIENT_CREDENTIALS: ClientCredentialsGrant(request_validator),
            TOKEN_EXCHANGE: TokenExchangeGrant(request_validator),
        }
        super().__init__(default_grant_type=CLIENT_CREDENTIALS, default_token_type=bearer, grant_types=grant_types)

    def create_token_response(self, uri, http_method="POST", body=None, headers=None, credentials=None, **kwargs):
        """As oauthlib's, plus our request context (issuer, audiences, resources)."""
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        self.validate_token_request(request)
        request.scopes = utils.scope_to_list(request.scope)
        request.extra_credentials = None
        context = credentials or {}
        request.m2m_issuer = context["issuer"]
        request.m2m_audiences = context["audiences"]
        request.m2m_address = context.get("address")
        request.m2m_resources = [value for key, value in request.decoded_body or [] if key == "resource"]
        handler = self.grant_types.get(request.grant_type, self.default_grant_type_handler)
        return handler.create_token_response(request, self.default_token_type)

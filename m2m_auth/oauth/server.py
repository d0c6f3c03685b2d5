"""The oauthlib token endpoint: client credentials and token exchange, issuing JWTs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from oauthlib.common import Request, urlencode
from oauthlib.oauth2 import BearerToken, ClientCredentialsGrant
from oauthlib.oauth2.rfc6749 import utils
from oauthlib.oauth2.rfc6749.endpoints.token import TokenEndpoint
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from . import client_credentials
from .exchange import TokenExchangeGrant
from .tokens import issue_access_token
from .validator import CLIENT_CREDENTIALS, TOKEN_EXCHANGE, M2MRequestValidator


@dataclass(frozen=True)
class Context:
    """What a token request brings beyond its form: the issuer, the audiences a client assertion may
    name, the client's address, and the WSGI environ (its Authorization header, a forwarded certificate)."""

    issuer: str
    audiences: list[str]
    address: str | None
    meta: Mapping[str, Any]


def token_response(path: str, form: list[tuple[str, str]], context: Context) -> tuple[dict, str, int]:
    """Headers, JSON body and status of the answer to a token request."""
    common = client_credentials.answer(form, context)
    if common is not None:
        return common
    headers = {"Authorization": context.meta.get("HTTP_AUTHORIZATION", "")}
    try:  # the body encoded, as a list of pairs would reach oauthlib as a dict, its repeated names lost
        return _server().create_token_response(path, body=urlencode(form), headers=headers, credentials=context)
    except OAuth2Error as error:
        return error.headers, error.json, error.status_code


class TokenRequest(Request):
    """oauthlib's request, for a URI that is the bare path (the parameters are all in the body): its
    query and repeated parameters are worked out once, not on every look."""

    uri_query = ""

    @cached_property
    def duplicate_params(self) -> list[str]:
        return Request.duplicate_params.fget(self)


@lru_cache(maxsize=1)
def _server() -> M2MTokenServer:
    """One per process: oauthlib's endpoint, grants and validator keep no request state."""
    return M2MTokenServer(M2MRequestValidator())


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
        """As oauthlib's, plus our request ``Context`` (as ``credentials``)."""
        request = TokenRequest(uri, http_method=http_method, body=body, headers=headers)
        self.validate_token_request(request)
        request.scopes = utils.scope_to_list(request.scope)
        request.extra_credentials = None
        request.m2m_issuer = credentials.issuer
        request.m2m_audiences = credentials.audiences
        request.m2m_address = credentials.address
        request.m2m_meta = credentials.meta
        request.m2m_resources = [value for key, value in request.decoded_body or [] if key == "resource"]
        handler = self.grant_types.get(request.grant_type, self.default_grant_type_handler)
        return handler.create_token_response(request, self.default_token_type)

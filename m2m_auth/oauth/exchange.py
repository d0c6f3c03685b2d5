"""RFC 8693 token exchange: a personal access token for a short-lived JWT.

An authenticated application presents a user's PAT as ``subject_token``; the
JWT it gets acts as that user (``sub``), names the application (``client_id``
and ``act``), and carries at most the PAT's effective scopes.
"""

from __future__ import annotations

import json

from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.base import GrantTypeBase

from .. import audit, verification
from ..authentication import PersonalAccessTokenAuthentication
from . import grants

PAT_TOKEN_TYPE = "urn:m2m-auth:token-type:personal_access_token"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


class TokenExchangeGrant(GrantTypeBase):
    def create_token_response(self, request, token_handler):
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as error:
            headers.update(error.headers)
            return headers, error.json, error.status_code
        token = token_handler.create_token(request, refresh_token=False)
        token["issued_token_type"] = ACCESS_TOKEN_TYPE
        return headers, json.dumps(token), 200

    def validate_token_request(self, request) -> None:
        for name in ("subject_token", "subject_token_type"):
            if not getattr(request, name, None):
                raise errors.InvalidRequestError(description=f"Missing {name}.", request=request)
        if request.subject_token_type != PAT_TOKEN_TYPE:
            raise errors.InvalidRequestError(description="Unsupported subject_token_type.", request=request)
        self.validate_client_confidential(request)
        self.validate_grant_type(request)
        user, context = _authenticated_pat(request)
        request.m2m_held_scopes = grants.by_resource(context.scopes)
        request.m2m_subject = {
            "sub": str(user.pk),
            "preferred_username": user.get_username(),
            "act": {"sub": request.client.client_id},
        }
        self.validate_scopes(request)


def _authenticated_pat(request):
    verdict = verification.verify(PersonalAccessTokenAuthentication.kind, request.subject_token, request.m2m_address)
    if not verdict.accepted:
        audit.failed_authentication(verdict.kind, verdict.public_id, request.m2m_address, verdict.reason)
        raise errors.InvalidRequestError(description="The subject token is not valid.", request=request)
    authenticator = PersonalAccessTokenAuthentication()
    return authenticator.principal(verdict.credential), authenticator.context(verdict.credential)

"""The common token request answered without oauthlib's request object and token classes.

A ``grant_type=client_credentials`` request takes the steps oauthlib's
``ClientCredentialsGrant`` takes, in its order, with the same validator
methods: client authentication (401), the grant type allowed to the client,
then the resource and scopes (``grants.decide``); the answer is the JSON and
headers oauthlib's ``BearerToken`` makes. A client refused the grant type is
left to oauthlib (``None``), whose error names the request's ``state``.
"""

from __future__ import annotations

import json

from oauthlib.oauth2.rfc6749 import errors, utils

from . import client_auth, grants, mtls
from .tokens import issue_access_token
from .validator import CLIENT_CREDENTIALS, M2MRequestValidator

HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
_validator = M2MRequestValidator()


def answer(form: list[tuple[str, str]], context) -> tuple[dict, str, int] | None:
    """Headers, JSON body and status; None for anything but a client credentials request a client may make."""
    fields = dict(form)
    if fields.get("grant_type") != CLIENT_CREDENTIALS:
        return None
    outcome = client_auth.authenticate_client(context.meta.get("HTTP_AUTHORIZATION", ""), fields, context.address,
                                              context.audiences, mtls.presented_certificate(context.meta))
    client = outcome.application
    if client is None:
        return _error(errors.InvalidClientError())
    if not _validator.validate_grant_type(client.client_id, CLIENT_CREDENTIALS, client, None):
        return None
    requested = utils.scope_to_list(fields["scope"]) if "scope" in fields else []
    resources = [value for key, value in form if key == "resource"]
    try:
        grant = grants.decide(grants.held_by_application(client), resources, requested)
    except errors.OAuth2Error as error:
        return _error(error)
    confirmation = outcome.confirmation()
    token = issue_access_token(
        issuer_id=context.issuer, client_id=client.client_id, subject=client.client_id, audience=grant.resource,
        scopes=grant.scopes, lifetime=grant.token_ttl, extra_claims={"cnf": confirmation} if confirmation else {},
    )
    body = {"access_token": token, "expires_in": grant.token_ttl, "token_type": "Bearer",
            "scope": " ".join(sorted(grant.scopes))}
    return HEADERS, json.dumps(body), 200


def _error(error: errors.OAuth2Error) -> tuple[dict, str, int]:
    return {**HEADERS, **error.headers}, error.json, error.status_code

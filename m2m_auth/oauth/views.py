"""The OAuth endpoints. Thin: the flows live in the modules they call."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from .. import audit, last_good
from ..models import Permission
from ..outages import json_503
from . import client_auth, introspection, ratelimit, remembered, revocation, server
from .endpoint import (
    NO_STORE, Endpoint, assertion_audiences, authenticate_caller, endpoint_url, invalid_client, json_answer,
    oauth_error, too_many_failures,
)
from .exchange import PAT_TOKEN_TYPE
from .tokens import issuer
from .validator import CLIENT_CREDENTIALS, TOKEN_EXCHANGE
from .verify import ALGORITHMS


class TokenView(Endpoint):
    """``POST /oauth/token``: client credentials and token exchange (RFC 6749, RFC 8693)."""

    @remembered.one_stamp()
    def post(self, request):
        repeated = [key for key, values in request.POST.lists() if len(values) > 1 and key != "resource"]
        if repeated:
            return oauth_error("invalid_request", f"Repeated parameter: {', '.join(sorted(repeated))}.")
        address = audit.client_address(request)
        claimed = client_auth.claimed_client_id(request.META.get("HTTP_AUTHORIZATION", ""), request.POST.dict())
        with ratelimit.limited(claimed, address) as attempt:
            if attempt.retry_after:
                return too_many_failures(attempt.retry_after)
            headers, body, status = token_response(request, address)
            if status == 401:
                wait = attempt.fail()
                audit.failed_authentication("client", claimed or "-", address, "token endpoint")
                return too_many_failures(wait) if wait else invalid_client()
        return HttpResponse(body, status=status, headers={"Content-Type": "application/json", **headers, **NO_STORE})


def token_response(request, address: str | None) -> tuple[dict, str, int]:
    """The answer (headers, JSON body, status) to the form as Django parsed it: token requests carry
    their parameters in the body (RFC 6749 section 3.2), so the path stands for the URI."""
    form = [(key, value) for key, values in request.POST.lists() for value in values]
    context = server.Context(issuer(request), assertion_audiences(request), address, request.META)
    return server.token_response(request.path, form, context)


class IntrospectView(Endpoint):
    """``POST /oauth/introspect`` (RFC 7662), for every credential kind."""

    def post(self, request):
        outcome, refusal = authenticate_caller(request)
        if refusal or outcome.application is None:
            return refusal or invalid_client()
        token = request.POST.get("token", "")
        if not token:
            return oauth_error("invalid_request", "Missing token.")
        return json_answer(introspection.introspect(token, outcome.application, issuer(request), audit.client_address(request)))


class RevokeView(Endpoint):
    """``POST /oauth/revoke`` (RFC 7009), for every credential kind."""

    def post(self, request):
        token = request.POST.get("token", "")
        if not token:
            return oauth_error("invalid_request", "Missing token.")
        outcome, refusal = authenticate_caller(request)
        if refusal:
            return refusal
        if introspection.hashing.kind_of(token) is not None:
            actor = f"client:{outcome.application.client_id}" if outcome.application else "presented"
            introspection.revoke_presented_secret(token, actor, audit.client_address(request))
            return json_answer({})
        if outcome.application is None:
            return invalid_client()
        claims = introspection.verified_claims(token, issuer(request), verify_exp=False)
        if claims is not None and claims["client_id"] != outcome.application.client_id:
            return oauth_error("unauthorized_client", "The token was not issued to this client.")
        if claims is not None:
            revocation.deny(claims)
        return json_answer({})


def scopes_supported() -> list[str]:
    return sorted(Permission.objects.values_list("scope", flat=True))


@json_503
@require_safe
def metadata_view(request):
    """``GET /.well-known/oauth-authorization-server`` (RFC 8414); served while the database is down."""
    issuer_id = issuer(request)
    methods = client_auth.METHODS
    return JsonResponse({
        "issuer": issuer_id,
        "token_endpoint": endpoint_url(request, "token"),
        "jwks_uri": endpoint_url(request, "jwks"),
        "introspection_endpoint": endpoint_url(request, "introspection"),
        "revocation_endpoint": endpoint_url(request, "revocation"),
        "revocation_feed_endpoint": endpoint_url(request, "revocation_feed"),
        "grant_types_supported": [CLIENT_CREDENTIALS, TOKEN_EXCHANGE],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": client_auth.ASSERTION_ALGORITHMS,
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "scopes_supported": last_good.read("scopes", scopes_supported),
        "access_token_signing_alg_values_supported": ALGORITHMS,
        "subject_token_types_supported": [PAT_TOKEN_TYPE],
        "resource_indicators_supported": True,
        "tls_client_certificate_bound_access_tokens": True,
    }, headers={"Cache-Control": "public, max-age=300"})

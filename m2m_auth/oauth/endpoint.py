"""What the OAuth endpoints share: JSON answers, client authentication, limits."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import audit
from ..outages import json_503
from . import client_auth, mtls, ratelimit
from .client_auth import ClientAuthentication
from .tokens import issuer

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
ENDPOINTS = {
    "token": "m2m_auth:token",
    "introspection": "m2m_auth:introspect",
    "revocation": "m2m_auth:revoke",
    "jwks": "m2m_auth:jwks",
    "revocation_feed": "m2m_auth:revocation-feed",
}
ASSERTION_ENDPOINTS = ("token", "introspection", "revocation")


def json_answer(data: dict, status: int = 200, headers: dict | None = None) -> JsonResponse:
    return JsonResponse(data, status=status, headers={**NO_STORE, **(headers or {})})


def oauth_error(error: str, description: str, status: int = 400, headers: dict | None = None) -> JsonResponse:
    return json_answer({"error": error, "error_description": description}, status, headers)


def invalid_client() -> JsonResponse:
    return oauth_error(
        "invalid_client", "Client authentication failed.", 401, {"WWW-Authenticate": 'Basic realm="oauth"'}
    )


def too_many_failures(wait: int) -> JsonResponse:
    """429 with Retry-After; the error code is documented in docs/rate-limits-and-proxies.md."""
    description = "Too many failed client authentications; retry later."
    return oauth_error("temporarily_unavailable", description, 429, {"Retry-After": str(wait)})


def endpoint_url(request, name: str) -> str:
    """An endpoint's absolute URL on the issuer's scheme and host."""
    parts = urlsplit(issuer(request))
    return f"{parts.scheme}://{parts.netloc}{reverse(ENDPOINTS[name])}"


def assertion_audiences(request) -> list[str]:
    """Audiences a private_key_jwt assertion may name: the issuer or an endpoint (none without an assertion,
    sparing three URL reversals on every other request)."""
    if not client_auth.carries_assertion(request.POST):
        return []
    return [issuer(request), *(endpoint_url(request, name) for name in ASSERTION_ENDPOINTS)]


def authenticate_caller(request) -> tuple[ClientAuthentication | None, JsonResponse | None]:
    """The client authentication of a request, or the answer that refuses it."""
    address = audit.client_address(request)
    authorization, form = request.META.get("HTTP_AUTHORIZATION", ""), request.POST.dict()
    with ratelimit.limited(client_auth.claimed_client_id(authorization, form), address) as attempt:
        if attempt.retry_after:
            return None, too_many_failures(attempt.retry_after)
        certificate = mtls.presented_certificate(request.META)
        outcome = client_auth.authenticate_client(authorization, form, address, assertion_audiences(request),
                                                  certificate)
        if outcome.method is not None and outcome.application is None:
            wait = attempt.fail()
            audit.failed_authentication("client", outcome.client_id or "-", address, f"{outcome.method} failed")
            if wait:
                return None, too_many_failures(wait)
    return outcome, None


class Endpoint(View):
    """POST-only, JSON on every answer, a 405 and a 503 included."""

    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs):
        """Decorated once here, not on each request as ``method_decorator`` on ``dispatch`` would."""
        return csrf_exempt(json_503(super().as_view(**initkwargs)))

    def dispatch(self, request, *args, **kwargs):
        try:
            request.POST  # parsed here, so that a body Django cannot parse is a JSON 400
        except (MultiPartParserError, SuspiciousOperation):
            return oauth_error("invalid_request", "The request body cannot be read.")
        return super().dispatch(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        return oauth_error("invalid_request", "Use POST.", 405, {"Allow": "POST"})

"""A DRF exception handler that completes m2m_auth's error answers.

Set ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "m2m_auth.handlers.exception_handler"``.
It is DRF's own handler plus the RFC 6750 ``insufficient_scope`` challenge on
403 answers caused by missing scopes, a 503 with ``Retry-After`` for a
database or cache outage met in the view itself, and a hint at the right
header when a request used an authorization scheme no class accepts.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .challenges import scheme_hint
from .outages import as_503, is_outage


def insufficient_scope_challenge(scopes: list[str]) -> str:
    return f'Bearer error="insufficient_scope", scope="{" ".join(scopes)}"'


def exception_handler(exc, context):
    if is_outage(exc):
        exc = as_503(exc)
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    required = getattr(request, "m2m_required_scopes", None)
    if response is not None and required and isinstance(exc, exceptions.PermissionDenied):
        response["WWW-Authenticate"] = insufficient_scope_challenge(required)
        response.data = {
            "detail": "The credential lacks the scopes this request needs.",
            "error": "insufficient_scope",
            "required_scopes": required,
        }
    hint = scheme_hint(request) if request is not None and isinstance(exc, exceptions.NotAuthenticated) else None
    if response is not None and hint:
        response.data = {"detail": hint}
    return response

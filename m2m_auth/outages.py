"""A database or cache that is down is a 503 with ``Retry-After``, never a 500.

Only connection-level failures count as outages: a refused or lost
connection, a connect or statement timeout (``django.db`` OperationalError
and InterfaceError, redis-py ConnectionError and TimeoutError). Errors of
meaning (DataError, IntegrityError, ProgrammingError) are bad input or bugs,
and a 503 would hide them.

    outage_errors()     the exception classes that mean "a dependency is down"
    ServiceUnavailable  DRF exception: 503, and DRF's own handler sets Retry-After from ``wait``
    translated()        context manager and decorator: an outage error becomes ServiceUnavailable
    is_outage, as_503   the same for DRF's exception handler (``handlers.exception_handler``)
    json_503, html_503  decorators for plain Django views (the OAuth endpoints, the pages)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, wraps

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException

logger = logging.getLogger("m2m_auth.outages")

RETRY_AFTER = 5
WARN_EVERY = 10  # seconds: an outage under load would otherwise log every request
_warned_at: dict[str, float] = {}
UNAVAILABLE = _("A service this request needs is temporarily unavailable; retry later.")


class ServiceUnavailable(APIException):
    status_code = 503
    default_code = "temporarily_unavailable"

    def __init__(self, wait: int = RETRY_AFTER):
        super().__init__({"error": "temporarily_unavailable", "error_description": UNAVAILABLE})
        self.wait = wait


@cache
def outage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        from redis import exceptions as redis_errors
    except ImportError:  # the redis package is needed only with Django's Redis cache
        pass
    else:
        errors += [redis_errors.ConnectionError, redis_errors.TimeoutError]
    return tuple(errors)


def is_outage(error: BaseException) -> bool:
    return isinstance(error, outage_errors())


def warn(what: str, error: BaseException) -> None:
    """Log an outage at most once per WARN_EVERY seconds per process and kind of answer."""
    now = time.monotonic()
    if now - _warned_at.get(what, -WARN_EVERY) >= WARN_EVERY:
        _warned_at[what] = now
        logger.warning("%s: %s: %s", what, type(error).__name__, error)


def as_503(error: BaseException) -> ServiceUnavailable:
    warn("dependency unavailable, answering 503", error)
    return ServiceUnavailable()


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except outage_errors() as error:
        raise as_503(error) from error


def json_response(error: ServiceUnavailable) -> JsonResponse:
    headers = {"Retry-After": str(error.wait), "Cache-Control": "no-store"}
    return JsonResponse(error.detail, status=503, headers=headers)


def html_response(error: ServiceUnavailable) -> HttpResponse:
    # Rendered without the request: the site's base template and context
    # processors may need the very database that is down.
    body = render_to_string("m2m_auth/503.html", {"message": UNAVAILABLE})
    return HttpResponse(body, status=503, headers={"Retry-After": str(error.wait), "Cache-Control": "no-store"})


def _answering(view: Callable, answer: Callable[[ServiceUnavailable], HttpResponse]) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            with translated():
                response = view(request, *args, **kwargs)
                if callable(getattr(response, "render", None)) and not response.is_rendered:
                    response.render()  # a TemplateResponse queries while it renders
                return response
        except ServiceUnavailable as error:
            return answer(error)

    return wrapper


def json_503(view: Callable) -> Callable:
    return _answering(view, json_response)


def html_503(view: Callable) -> Callable:
    return _answering(view, html_response)

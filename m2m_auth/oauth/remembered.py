"""What the token endpoint remembers between requests, under one freshness stamp per request.

A token request reads the stamp once (``stamp()`` inside ``one_stamp()``),
before any row it remembers, and every memo of the request is checked against
that one value: the client and its secrets here, what the client is granted
(``grants``), the signing key (``keys``). A change committed anywhere replaces
the stamp, so the very next request loads afresh (see ``m2m_auth/freshness.py``).
Outside a token request each call reads the stamp anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


from .. import freshness
from ..models import ClientSecret

_OUTSIDE, _UNREAD = object(), object()
_request_stamp: ContextVar[Any] = ContextVar("m2m_auth_request_stamp", default=_OUTSIDE)
_client_secrets: freshness.Memo[ClientSecret | None] = freshness.memo()


@contextmanager
def one_stamp() -> Iterator[None]:
    """Within this block, the stamp is read at most once."""
    token = _request_stamp.set(_UNREAD)
    try:
        yield
    finally:
        _request_stamp.reset(token)


def stamp() -> Any:
    """The stamp for this request: None (remember nothing) if the cache is process-local or down."""
    held = _request_stamp.get()
    if held is _OUTSIDE or held is _UNREAD:
        value = freshness.stamp_or_forget()
        if held is _UNREAD:
            _request_stamp.set(value)
        return value
    return held


def stamp_read(value: Any) -> None:
    """The stamp as another call read it along (the rate limiter's), for the rest of this request;
    a missing stamp is left for ``stamp()`` to create."""
    if value is not None and _request_stamp.get() is _UNREAD:
        _request_stamp.set(value)


def client_secret(public_id: str) -> ClientSecret | None:
    """A client secret with its application, by public id (verification's finder)."""
    return _client_secrets.recall(public_id, stamp(), lambda: _load_client_secret(public_id))


def _load_client_secret(public_id: str) -> ClientSecret | None:
    return ClientSecret.objects.select_related("application").filter(public_id=public_id).first()

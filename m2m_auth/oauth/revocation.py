"""The jti deny-list of revoked JWT access tokens: durable in the database, fast from the cache.

The database is the source of truth: a revoked token is a ``RevokedToken``
row until it could no longer be accepted. Each worker keeps the whole list
in memory, valid under the freshness stamp the request has already read
(``freshness.py``); a revocation saves its row, which replaces the stamp once
committed, so the very next request on every worker sees a new stamp and
takes the list again: from the cache's copy tagged with that stamp, or from
the database (one query), leaving its copy in the cache for the others.

Why the whole list under a random stamp rather than a key per jti: a cache
that is flushed, evicts keys, restarts empty or is replaced must never make a
revoked token look unrevoked. A missing stamp or list is rebuilt from the
database, where a missing per-jti key would have read as "not revoked".

    cache down, or process-local: the database answers, one indexed query per JWT request
    database down:  the copy of the current stamp answers, however old (no
                    revocation can happen without the database); with no
                    copy, 503: fail closed
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import feed
from ..app_settings import app_settings
from ..models import RevokedToken
from ..stamped_copy import StampedCopy

LIST_KEY = "m2m_auth:deny-list:stamped"


def deny(claims: dict) -> None:
    """Revoke a token; saving the row replaces the freshness stamp after the commit (``freshness.watch``)."""
    expires_at = datetime.fromtimestamp(claims["exp"], tz=dt_timezone.utc)
    remaining = (expires_at - timezone.now()).total_seconds() + app_settings.JWT_LEEWAY
    if remaining <= 0:
        return
    try:
        with transaction.atomic():
            RevokedToken.objects.create(jti=claims["jti"], client_id=claims["client_id"], expires_at=expires_at)
            feed.record_jwt(claims["jti"], expires_at + timedelta(seconds=app_settings.JWT_LEEWAY))
    except IntegrityError:
        pass  # already revoked


def _unexpired_jtis() -> frozenset[str]:
    return frozenset(RevokedToken.objects.unexpired().values_list("jti", flat=True))


deny_list = StampedCopy(LIST_KEY, _unexpired_jtis)


def is_revoked(jti: str, stamp: Any) -> bool:
    """Whether a jti is denied, by the list of this stamp; with no stamp (see above), by the database."""
    if stamp is None:
        return is_revoked_durably(jti)
    return jti in deny_list.get(stamp)


def is_revoked_durably(jti: str) -> bool:
    """The database's answer: for introspection, and for JWTs while no shared cache answers."""
    return RevokedToken.objects.filter(jti=jti).exists()

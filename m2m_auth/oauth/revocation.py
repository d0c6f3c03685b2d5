"""The jti deny-list of revoked JWT access tokens: durable in the database, fast from the cache.

The database is the source of truth: a revoked token is a ``RevokedToken``
row until it would have expired. The cache holds a copy of the whole list as
one entry tagged with a version, beside a small version key that every
revocation replaces once its row is committed. A JWT request reads only the
version; each worker keeps the list of the current version in memory and
fetches it, or rebuilds it with one query, when the version changes.

Why one entry and a version rather than a key per jti: a cache that is
flushed, evicts keys, restarts empty or is replaced must never make a revoked
token look unrevoked. A missing version or list is rebuilt from the database,
where a missing per-jti key would have read as "not revoked". The version is
read before the rows, so a list built from rows older than a revocation
carries an older version and is never taken for current.

Both keys expire after ``REFRESH_SECONDS``: that bounds how long a revocation
made while the cache was unreachable can go unseen once it is back.

    cache down:     the database answers, one indexed query per JWT request
    database down:  the cache's copy answers; with no copy, 503 (fail closed)
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone as dt_timezone

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import shared_cache
from ..app_settings import app_settings
from ..models import RevokedToken

logger = logging.getLogger("m2m_auth.revocation")

VERSION_KEY = "m2m_auth:deny-list:version"
LIST_KEY = "m2m_auth:deny-list"
REFRESH_SECONDS = 60
# (version, jtis) of this worker's copy, replaced as one value so that a
# concurrent reader never pairs a new version with an old list.
_copy: dict[str, tuple[str | None, frozenset[str]]] = {"current": (None, frozenset())}


def deny(claims: dict) -> None:
    expires_at = datetime.fromtimestamp(claims["exp"], tz=dt_timezone.utc)
    remaining = (expires_at - timezone.now()).total_seconds() + app_settings.JWT_LEEWAY
    if remaining <= 0:
        return
    try:
        with transaction.atomic():
            RevokedToken.objects.create(jti=claims["jti"], client_id=claims["client_id"], expires_at=expires_at)
    except IntegrityError:
        pass  # already revoked
    # Now, for readers in this transaction, and after the commit for every worker.
    new_version()
    transaction.on_commit(new_version)


def new_version() -> None:
    if not shared_cache.set(VERSION_KEY, secrets.token_hex(8), REFRESH_SECONDS):
        logger.error("a revocation is in the database but the cache could not be told; workers see it "
                     "within %s seconds of the cache's return", REFRESH_SECONDS)


def is_revoked(jti: str) -> bool:
    cache = shared_cache.cache()
    try:
        version, jtis = _cached_list(cache)
    except shared_cache.errors():
        return is_revoked_durably(jti)
    if jtis is None:
        jtis = _rebuilt_list(version)
    return jti in jtis


def is_revoked_durably(jti: str) -> bool:
    """The database's answer: for introspection, and for JWTs while the cache is down."""
    return RevokedToken.objects.filter(jti=jti).exists()


def _cached_list(cache) -> tuple[str, frozenset[str] | None]:
    """The current version, and its list when this worker or the cache holds it."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), REFRESH_SECONDS)
        version = cache.get(VERSION_KEY)
    if version is not None and _copy["current"][0] == version:
        return version, _copy["current"][1]
    stored = cache.get(LIST_KEY)
    if isinstance(stored, dict) and version is not None and stored.get("version") == version:
        _copy["current"] = (version, stored["jtis"])
        return version, stored["jtis"]
    return version, None


def _rebuilt_list(version: str | None) -> frozenset[str]:
    jtis = frozenset(RevokedToken.objects.unexpired().values_list("jti", flat=True))
    if version is not None:
        _copy["current"] = (version, jtis)
        shared_cache.set(LIST_KEY, {"version": version, "jtis": jtis}, REFRESH_SECONDS)
    return jtis

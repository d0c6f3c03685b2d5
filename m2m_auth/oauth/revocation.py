"""The jti deny-list of revoked JWT access tokens: durable in the database, fast from the cache.

The database is the source of truth: a revoked token is a ``RevokedToken``
row until it could no longer be accepted. The cache holds a copy of the whole
list as one entry, tagged with a version, beside a small version key that
every revocation replaces once its row is committed. A JWT request reads only
the version; each worker keeps the list of the current version in memory and
fetches it, or rebuilds it with one query, when the version changes or the
list is older than ``REFRESH_SECONDS``.

Why one entry and a version rather than a key per jti: a cache that is
flushed, evicts keys, restarts empty or is replaced must never make a revoked
token look unrevoked. A missing version or list is rebuilt from the database,
where a missing per-jti key would have read as "not revoked". The version is
read before the rows, so a list built from rows older than a revocation
carries an older version and is never taken for current.

The refresh bounds how long a revocation made while the cache was unreachable
can go unseen once it is back.

    cache down:     the database answers, one indexed query per JWT request
    database down:  the cache's copy of the current version answers, however
                    old (no revocation can happen without the database); with
                    no copy, 503: fail closed
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import feed, shared_cache
from ..app_settings import app_settings
from ..models import RevokedToken
from ..outages import outage_errors, warn

logger = logging.getLogger("m2m_auth.revocation")

VERSION_KEY = "m2m_auth:deny-list:version"
LIST_KEY = "m2m_auth:deny-list"
REFRESH_SECONDS = 60


class Copy(NamedTuple):
    version: str | None
    jtis: frozenset[str]
    built_at: float

    def fresh(self) -> bool:
        return time.time() - self.built_at < REFRESH_SECONDS


# This worker's copy, replaced as one value so that a concurrent reader never
# pairs a new version with an old list.
_local: dict[str, Copy | None] = {"copy": None}


def deny(claims: dict) -> None:
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
    # Now, for readers in this transaction, and after the commit for every worker.
    new_version()
    transaction.on_commit(new_version)


def new_version() -> None:
    if not shared_cache.set(VERSION_KEY, secrets.token_hex(8), None):
        logger.error("a revocation is in the database but the cache could not be told; workers see it "
                     "within %s seconds of the cache's return", REFRESH_SECONDS)


def is_revoked(jti: str) -> bool:
    cache = shared_cache.cache()
    try:
        version = _version(cache)
        copy = _copy_of(cache, version)
    except shared_cache.errors():
        return is_revoked_durably(jti)
    if copy is None or not copy.fresh():
        copy = _rebuilt(version, copy)
    return jti in copy.jtis


def is_revoked_durably(jti: str) -> bool:
    """The database's answer: for introspection, and for JWTs while the cache is down."""
    return RevokedToken.objects.filter(jti=jti).exists()


def _version(cache) -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(VERSION_KEY)
    return version  # None only with a cache that keeps nothing


def _copy_of(cache, version: str | None) -> Copy | None:
    """The list of this version: this worker's if fresh, else the fresher of its and the cache's."""
    if version is None:
        return None
    local = _local["copy"]
    mine = local if local is not None and local.version == version else None
    if mine is not None and mine.fresh():
        return mine
    stored = cache.get(LIST_KEY)
    if isinstance(stored, dict) and stored.get("version") == version:
        theirs = Copy(**stored)
        if mine is None or theirs.built_at > mine.built_at:
            mine = _local["copy"] = theirs
    return mine


def _rebuilt(version: str | None, stale: Copy | None) -> Copy:
    try:
        jtis = frozenset(RevokedToken.objects.unexpired().values_list("jti", flat=True))
    except outage_errors() as error:
        if stale is None:
            raise
        warn("database unavailable, checking JWTs against the last deny-list copy", error)
        return stale
    copy = Copy(version, jtis, time.time())
    if version is not None:
        _local["copy"] = copy
        shared_cache.set(LIST_KEY, copy._asdict(), None)
    return copy

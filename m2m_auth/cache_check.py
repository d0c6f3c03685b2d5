"""System check: the cache m2m_auth uses answers (m2m_auth.E030, W030, W031).

Rate limits, coalescing gates and the deny-list's fast copy live in the
cache named by ``M2M_AUTH["CACHE"]``. A database cache without its table
(``migrate`` does not create it) or a Redis that does not answer makes them
degrade on every request (docs/outages.md); this says so up front, with the fix.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections, router

from .app_settings import app_settings
from .outages import outage_errors

PROBE_KEY = "m2m_auth:check"


@register(Tags.caches)
def check_cache(app_configs=None, **kwargs):
    alias = app_settings.CACHE
    if alias not in getattr(settings, "CACHES", {}):
        return [Error(f"M2M_AUTH['CACHE'] names no configured cache: {alias!r}.",
                      hint="Name one of the aliases in CACHES.", id="m2m_auth.E030")]
    cache = caches[alias]
    if isinstance(cache, DatabaseCache):
        return _table_missing(alias, cache)
    return _unreachable(alias, cache)


def _table_missing(alias: str, cache: DatabaseCache) -> list[Warning]:
    connection = connections[router.db_for_read(cache.cache_model_class)]
    try:
        tables = connection.introspection.table_names()
    except DatabaseError:
        return []  # the database itself is down: not a cache misconfiguration
    if cache._table in tables:
        return []
    return [Warning(
        f"The database cache {alias!r} has no table {cache._table!r}: rate limits and coalescing hold per worker "
        "only and every JWT request queries the deny-list.",
        hint="Run: python manage.py createcachetable", id="m2m_auth.W030",
    )]


def _unreachable(alias: str, cache) -> list[Warning]:
    try:
        cache.get(PROBE_KEY)
    except outage_errors() as error:
        return [Warning(
            f"The cache {alias!r} does not answer ({type(error).__name__}: {error}).",
            hint=f"Start it, or correct CACHES[{alias!r}]['LOCATION']. Until it answers, rate limits and "
                 "coalescing hold per worker only and every JWT request queries the deny-list.",
            id="m2m_auth.W031",
        )]
    return []

"""Factory fixtures shared by the test modules, and the one time seam."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from m2m_auth import issuing, rbac

from .outage_helpers import forget_process_copies

_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@pytest.fixture(autouse=True)
def empty_caches():
    """Rate limits, deny-lists, coalescing gates and per-process copies must not
    leak between tests: each starts as a fresh worker with an empty cache."""
    for cache in caches.all():
        cache.clear()
    forget_process_copies()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def clock(monkeypatch):
    """Freezes django.utils.timezone.now; ``clock.advance(seconds)`` moves it."""

    class Clock:
        now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def make_role(db):
    def make(scopes=("orders:read",), kind="user", name=None):
        return rbac.create_role(name or unique(f"{kind}-role"), kind, scopes)

    return make


@pytest.fixture
def make_user(db, django_user_model, make_role):
    def make(scopes=(), **fields):
        user = django_user_model.objects.create_user(username=unique("user"), password="pw", **fields)
        if scopes:
            role = make_role(scopes, kind="user")
            rbac.grant_role(user.username, role.name)
        return user

    return make


@pytest.fixture
def make_api_key(db):
    def make(scopes=("orders:read",), **kwargs):
        return issuing.create_api_key(kwargs.pop("name", unique("key")), scopes=scopes, **kwargs)

    return make


@pytest.fixture
def make_pat(db, make_user):
    def make(scopes=("orders:read",), user=None, **kwargs):
        user = user or make_user(scopes=scopes)
        return issuing.create_personal_access_token(user, kwargs.pop("name", unique("pat")), scopes=scopes, **kwargs)

    return make


@pytest.fixture
def shared_redis(settings):
    """A real Redis as the cache (SHARED_REDIS_URL, else REDIS_URL, else the local server's db 7), emptied:
    what workers share. SHARED_REDIS_URL lets a run keep locmem as its default cache on a Redis db of its own."""
    location = os.environ.get("SHARED_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/7"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}
    caches["default"].clear()
    forget_process_copies()
    yield caches["default"]
    forget_process_copies()

"""The stamp that tells a worker whether what it remembers is still true (m2m_auth/freshness.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from m2m_auth import freshness
from m2m_auth.models import ApiKey, Role

from .test_ratelimit import closed_port

pytestmark = pytest.mark.django_db


def test_the_stamp_holds_until_something_changes(shared_redis):
    first = freshness.current()
    assert first is not None and freshness.current() == first
    freshness.changed()
    assert freshness.current() not in (None, first)


def test_a_cache_that_restarts_empty_matches_no_memory(shared_redis):
    before = freshness.current()
    memo = freshness.memo()
    memo.put("k", before, "value")
    shared_redis.clear()
    after = freshness.current()
    assert after is not None and after != before
    assert memo.get("k", after) is None


def test_a_memory_is_kept_under_its_stamp_only_and_ages_out(shared_redis, monkeypatch):
    stamp = freshness.current()
    memo = freshness.memo()
    memo.put("k", stamp, "value")
    assert memo.get("k", stamp) == "value"
    assert memo.get("k", "another stamp") is None
    later = freshness.time.monotonic() + freshness.MAX_AGE + 1
    monkeypatch.setattr(freshness.time, "monotonic", lambda: later)
    assert memo.get("k", stamp) is None


def test_a_process_local_cache_remembers_nothing(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    memo = freshness.memo()
    stamp = freshness.current()
    memo.put("k", stamp, "value")
    assert stamp is None and memo.get("k", stamp) is None


def test_a_cache_outage_forgets_every_memory(shared_redis, settings):
    memo = freshness.memo()
    memo.put("k", freshness.current(), "value")
    working = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}
    assert freshness.stamp_or_forget() is None
    settings.CACHES = working
    assert memo.get("k", freshness.current()) is None


def changes_stamp(action) -> bool:
    before = freshness.current()
    action()
    return freshness.current() != before


def test_revoking_with_a_bulk_update_changes_the_stamp(shared_redis, make_api_key):
    key, _ = make_api_key()
    assert changes_stamp(lambda: ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now()))


def test_recording_a_use_does_not(shared_redis, make_api_key):
    key, _ = make_api_key()
    assert not changes_stamp(lambda: ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now()))


def test_saving_deleting_and_relinking_change_the_stamp(shared_redis, make_api_key, make_role):
    key, _ = make_api_key()
    role = make_role(["orders:read"], kind="machine")

    def rename():
        key.name = "renamed"
        key.save()

    assert changes_stamp(rename)
    assert changes_stamp(lambda: key.roles.add(role))
    assert changes_stamp(lambda: Role.objects.filter(pk=role.pk).delete())


def test_a_login_does_not_change_the_stamp_but_deactivating_the_user_does(shared_redis):
    user = get_user_model().objects.create_user("stamp-user")
    user.last_login = timezone.now()
    assert not changes_stamp(lambda: user.save(update_fields=["last_login"]))
    user.is_active = False
    assert changes_stamp(lambda: user.save(update_fields=["is_active"]))


def test_a_change_replaces_the_stamp_again_once_committed(shared_redis, make_api_key, django_capture_on_commit_callbacks):
    key, _ = make_api_key()
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        during = freshness.current()
    assert len(callbacks) == 1
    callbacks[0]()
    assert freshness.current() != during


def test_recall_loads_once_under_one_stamp_and_again_under_the_next(shared_redis):
    memo = freshness.memo()
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    stamp = freshness.current()
    assert memo.recall("k", stamp, load) == 1
    assert memo.recall("k", stamp, load) == 1
    freshness.changed()
    assert memo.recall("k", freshness.current(), load) == 2


def test_recall_remembers_nothing_without_a_shared_cache():
    memo = freshness.memo()
    loads = []
    assert memo.recall("k", None, lambda: loads.append(1) or "v") == "v"
    assert memo.recall("k", None, lambda: loads.append(1) or "v") == "v"
    assert len(loads) == 2

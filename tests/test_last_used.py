"""Last-used updates are coalesced: one write per credential per interval."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from m2m_auth import last_used
from m2m_auth.models import ApiKey

pytestmark = pytest.mark.django_db


def test_first_use_is_recorded_with_time_and_address(api_client, make_api_key, clock):
    obj, key = make_api_key()
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key, REMOTE_ADDR="10.1.2.3")
    obj.refresh_from_db()
    assert obj.last_used_at == clock.now
    assert obj.last_used_from == "10.1.2.3"


def test_uses_within_the_interval_write_nothing(api_client, make_api_key, clock):
    obj, key = make_api_key()
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    first = ApiKey.objects.get(pk=obj.pk).last_used_at
    clock.advance(59)
    with CaptureQueriesContext(connection) as queries:
        api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    assert [q for q in queries if q["sql"].startswith("UPDATE")] == []
    assert ApiKey.objects.get(pk=obj.pk).last_used_at == first
    clock.advance(2)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    assert ApiKey.objects.get(pk=obj.pk).last_used_at == clock.now


@override_settings(M2M_AUTH={"LAST_USED_INTERVAL": 3600, "PEPPER": "test-pepper-0123456789-0123456789-0123456789"})
def test_interval_is_a_setting(api_client, make_api_key, clock):
    obj, key = make_api_key()
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    clock.advance(600)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    assert ApiKey.objects.get(pk=obj.pk).last_used_at == clock.now - timedelta(seconds=600)


def test_a_stale_copy_loses_the_race_to_a_fresh_write(make_api_key, clock):
    obj, _ = make_api_key()
    stale_copy = ApiKey.objects.get(pk=obj.pk)
    assert last_used.touch(obj, "127.0.0.1") is True
    assert last_used.touch(stale_copy, "127.0.0.2") is False
    assert ApiKey.objects.get(pk=obj.pk).last_used_from == "127.0.0.1"


def test_invalid_remote_addr_is_stored_as_unknown(api_client, make_api_key):
    obj, key = make_api_key()
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key, REMOTE_ADDR="not-an-ip")
    obj.refresh_from_db()
    assert obj.last_used_at is not None and obj.last_used_from is None

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


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_a_first_use_is_one_update_of_its_row_and_later_uses_in_the_interval_none(api_client, make_api_key, clock):
    obj, key = make_api_key()
    with CaptureQueriesContext(connection) as first:
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
    clock.advance(30)
    with CaptureQueriesContext(connection) as second:
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
    assert [sql.split()[0].upper() for sql in writes(first)] == ["UPDATE"] and writes(second) == []
    assert ApiKey.objects.get(pk=obj.pk).recent_usage == f"{clock.now.date().isoformat()}:1"


def test_each_interval_is_one_write_counted_in_the_days_usage(api_client, make_api_key, clock):
    obj, key = make_api_key()
    clock.now = clock.now.replace(hour=12)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            for _ in range(4):
                api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
            clock.advance(61)
    assert len(writes(queries)) == 3
    assert ApiKey.objects.get(pk=obj.pk).recent_usage == f"{clock.now.date().isoformat()}:3"


def test_two_workers_racing_write_the_row_once_and_count_once(make_api_key, clock):
    obj, _ = make_api_key()
    first, second = ApiKey.objects.get(pk=obj.pk), ApiKey.objects.get(pk=obj.pk)
    assert last_used.touch(first, "10.0.0.1") is True
    assert last_used.touch(second, "10.0.0.2") is False
    row = ApiKey.objects.get(pk=obj.pk)
    assert (row.last_used_from, row.recent_usage) == ("10.0.0.1", f"{clock.now.date().isoformat()}:1")
    assert (second.last_used_at, second.recent_usage) == (row.last_used_at, row.recent_usage)


def test_a_stale_copy_of_an_old_use_retries_once_on_the_rows_values(make_api_key, clock):
    obj, _ = make_api_key()
    last_used.touch(obj, "10.0.0.1")
    stale = ApiKey.objects.get(pk=obj.pk)
    clock.advance(61)
    last_used.touch(obj, "10.0.0.2")
    clock.advance(61)
    with CaptureQueriesContext(connection) as queries:
        assert last_used.touch(stale, "10.0.0.3") is True
    assert len(writes(queries)) == 2  # the first UPDATE matched no row: the row had moved on
    assert ApiKey.objects.get(pk=obj.pk).recent_usage == f"{clock.now.date().isoformat()}:3"


def test_the_count_survives_a_day_change(api_client, make_api_key, clock):
    obj, key = make_api_key()
    clock.now = clock.now.replace(hour=23, minute=59, second=30)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    yesterday = clock.now.date()
    clock.advance(61)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    assert ApiKey.objects.get(pk=obj.pk).recent_usage == f"{clock.now.date().isoformat()}:1 {yesterday.isoformat()}:1"


def test_corrupt_usage_text_neither_refuses_the_key_nor_survives_the_next_write(api_client, make_api_key, clock):
    obj, key = make_api_key()
    ApiKey.objects.filter(pk=obj.pk).update(recent_usage="garbage 2025-13-45:3 :: x:y 1999-01-01:-4 ::::")
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
    assert ApiKey.objects.get(pk=obj.pk).recent_usage == f"{clock.now.date().isoformat()}:1"


def test_a_narrow_copy_without_the_usage_reads_it_before_writing(make_api_key, clock):
    obj, _ = make_api_key()
    day = clock.now.date().isoformat()
    ApiKey.objects.filter(pk=obj.pk).update(recent_usage=f"{day}:4")
    narrow = ApiKey.objects.only("pk", "public_id").get(pk=obj.pk)
    with CaptureQueriesContext(connection) as queries:
        assert last_used.touch(narrow, None) is True
    assert len(queries) == 2 and len(writes(queries)) == 1
    assert ApiKey.objects.get(pk=obj.pk).recent_usage == f"{day}:5"


def test_a_credential_deleted_meanwhile_is_not_recreated(make_api_key):
    obj, _ = make_api_key()
    stale = ApiKey.objects.get(pk=obj.pk)
    ApiKey.objects.filter(pk=obj.pk).delete()
    assert last_used.touch(stale, None) is False
    assert not ApiKey.objects.filter(pk=obj.pk).exists()


def test_a_use_does_not_replace_the_freshness_stamp(shared_redis, make_api_key):
    from .test_freshness import changes_stamp

    obj, _ = make_api_key()
    assert not changes_stamp(lambda: last_used.touch(obj, "10.0.0.1"))
    assert ApiKey.objects.get(pk=obj.pk).recent_usage != ""


def test_a_changed_interval_is_honoured_on_the_next_use(settings, api_client, make_api_key, clock):
    obj, key = make_api_key()
    settings.M2M_AUTH = {**settings.M2M_AUTH, "LAST_USED_INTERVAL": 3600}
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    clock.advance(600)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    assert ApiKey.objects.get(pk=obj.pk).last_used_at == clock.now - timedelta(seconds=600)
    settings.M2M_AUTH = {**settings.M2M_AUTH, "LAST_USED_INTERVAL": 60}
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    assert ApiKey.objects.get(pk=obj.pk).last_used_at == clock.now

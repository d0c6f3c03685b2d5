"""The system check that the cache m2m_auth uses works, with the command that fixes it."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from m2m_auth.cache_check import check_cache

from .outage_helpers import cache_down


def database_cache(table: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}}


@pytest.mark.django_db
def test_a_database_cache_without_its_table_says_to_create_it():
    with override_settings(CACHES=database_cache("m2m_no_such_cache_table")):
        [warning] = check_cache()
    assert warning.id == "m2m_auth.W030" and warning.hint == "Run: python manage.py createcachetable"


@pytest.mark.django_db  # the table goes with the test's transaction
def test_a_database_cache_with_its_table_passes():
    with override_settings(CACHES=database_cache("m2m_check_cache")):
        call_command("createcachetable")
        assert check_cache() == []


def test_an_unreachable_redis_is_reported():
    with cache_down():
        [warning] = check_cache()
    assert warning.id == "m2m_auth.W031" and "ConnectionError" in warning.msg


def test_a_cache_alias_that_does_not_exist_is_an_error():
    with override_settings(M2M_AUTH={"CACHE": "nope"}):
        assert [message.id for message in check_cache()] == ["m2m_auth.E030"]


def test_a_working_cache_passes():
    assert check_cache() == []

"""API keys and PATs remembered per worker (m2m_auth/verification.py): zero queries on a hit,
and every change refused on the very next request all the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from m2m_auth import applications, freshness, issuing, rbac, revoking, verification
from m2m_auth.models import ApiKey

from .outage_helpers import wrong_secret
from .test_authentication import bearer
from .test_ratelimit import closed_port

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders/"  # needs orders:read
WHOAMI = "/api/whoami/"  # any credential, and no query of its own


def status(client, headers, path=ORDERS) -> int:
    return client.get(path, **headers).status_code


def queries_of(client, headers, path=WHOAMI) -> tuple[int, int]:
    """(status, number of queries) of one request."""
    with CaptureQueriesContext(connection) as queries:
        answer = status(client, headers, path)
    return answer, len(queries)


@pytest.fixture
def remembered_key(shared_redis, api_client, make_api_key):
    """An API key whose scope comes from a machine role, used once: this worker remembers it."""
    role = rbac.create_role("readers-of-orders", "machine", ["orders:read"])
    key, plaintext = make_api_key(scopes=(), roles=[role.name], expires_in=timedelta(hours=1))
    headers = {"HTTP_X_API_KEY": plaintext}
    assert status(api_client, headers) == 200
    assert queries_of(api_client, headers) == (200, 0)
    return key, headers, role


@pytest.fixture
def remembered_pat(shared_redis, api_client, make_pat):
    token, plaintext = make_pat()
    headers = bearer(plaintext)
    assert status(api_client, headers) == 200
    assert queries_of(api_client, headers) == (200, 0)
    return token, headers


def test_a_hit_makes_no_query_a_miss_one(remembered_key, api_client):
    _, headers, _ = remembered_key
    freshness.changed()  # anything committed anywhere: the next request looks again, once
    assert queries_of(api_client, headers) == (200, 1)
    assert queries_of(api_client, headers) == (200, 0)


def test_a_wrong_secret_for_a_remembered_id_is_refused(remembered_key, api_client):
    _, headers, _ = remembered_key
    assert verification.verify("api_key", wrong_secret(headers["HTTP_X_API_KEY"]), None).reason == "wrong secret"


KEY_CHANGES = {
    "revoked": lambda key, role, clock: revoking.revoke(key),
    "deleted": lambda key, role, clock: key.delete(),
    "expired": lambda key, role, clock: clock.advance(3601),
    "application disabled": lambda key, role, clock: applications.update_application(key.application, active=False),
    "permission removed from its role": lambda key, role, clock: rbac.update_role(role, remove_scopes=["orders:read"]),
    "role taken from it": lambda key, role, clock: key.roles.remove(role),
}


@pytest.mark.parametrize("change", KEY_CHANGES, ids=list(KEY_CHANGES))
def test_a_remembered_key_is_refused_on_the_next_request_after(change, shared_redis, api_client, make_api_key, clock):
    role = rbac.create_role("readers-of-orders", "machine", ["orders:read"])
    application, _ = issuing.create_application("owner", roles=[role.name])
    key, plaintext = make_api_key(scopes=(), roles=[role.name], expires_in=timedelta(hours=1), application=application)
    headers = {"HTTP_X_API_KEY": plaintext}
    assert status(api_client, headers) == 200
    assert queries_of(api_client, headers) == (200, 0)  # remembered
    KEY_CHANGES[change](key, role, clock)
    assert status(api_client, headers) in (401, 403)


def test_a_rolled_key_is_refused_after_its_overlap(remembered_key, api_client, clock):
    key, headers, _ = remembered_key
    _, new = issuing.roll_api_key(key, overlap=timedelta(minutes=5))
    assert status(api_client, headers) == 200  # the overlap
    assert status(api_client, {"HTTP_X_API_KEY": new}) == 200
    clock.advance(301)
    assert status(api_client, headers) == 401
    assert status(api_client, {"HTTP_X_API_KEY": new}) == 200


def deactivate(token):
    token.user.is_active = False
    token.user.save()


PAT_CHANGES = {
    "revoked": lambda token: revoking.revoke(token),
    "deleted": lambda token: token.delete(),
    "user deactivated": deactivate,
    "user deleted": lambda token: token.user.delete(),
    "role assignment removed": lambda token: token.user.m2m_role_assignments.all().delete(),
    "permission removed from the user's role": lambda token: rbac.update_role(
        token.user.m2m_role_assignments.get().role, remove_scopes=["orders:read"]),
}


@pytest.mark.parametrize("change", PAT_CHANGES, ids=list(PAT_CHANGES))
def test_a_remembered_pat_is_refused_on_the_next_request_after(change, remembered_pat, api_client):
    token, headers = remembered_pat
    PAT_CHANGES[change](token)
    assert status(api_client, headers) in (401, 403)


def test_an_expired_pat_is_refused_though_nothing_replaced_the_stamp(remembered_pat, api_client, clock):
    token, headers = remembered_pat
    clock.advance((token.expires_at - clock.now).total_seconds() + 1)
    assert status(api_client, headers) == 401


def raw_revoke(key: ApiKey) -> None:
    """The row changed with no signal and no stamp: what this worker cannot see by itself."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ApiKey._meta.db_table} SET revoked_at = %s WHERE id = %s", [timezone.now(), key.pk])


def test_a_change_committed_by_another_worker_is_seen_through_the_stamp(remembered_key, api_client, shared_redis):
    key, headers, _ = remembered_key
    raw_revoke(key)
    assert status(api_client, headers) == 200  # remembered: the stamp alone tells a worker to look again
    shared_redis.set(freshness.STAMP_KEY, "written by another worker's commit", None)
    assert status(api_client, headers) == 401


def test_a_process_local_cache_remembers_nothing(settings, api_client, make_api_key):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    key, plaintext = make_api_key()
    headers = {"HTTP_X_API_KEY": plaintext}
    assert status(api_client, headers) == 200
    assert queries_of(api_client, headers) == (200, 1)
    raw_revoke(key)
    assert status(api_client, headers) == 401


def test_with_the_cache_down_the_database_answers(remembered_key, api_client, settings):
    key, headers, _ = remembered_key
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}
    assert queries_of(api_client, headers) == (200, 1)
    raw_revoke(key)
    assert status(api_client, headers) == 401


def test_a_hit_within_the_last_used_interval_writes_nothing_and_after_it_one(remembered_key, api_client, clock):
    key, headers, _ = remembered_key
    clock.advance(30)
    assert queries_of(api_client, headers) == (200, 0)
    clock.advance(31)  # the default interval is 60 seconds
    with CaptureQueriesContext(connection) as queries:
        assert status(api_client, headers) == 200
    assert any(query["sql"].startswith("UPDATE") for query in queries)
    assert queries_of(api_client, headers) == (200, 0)
    key.refresh_from_db()
    assert key.last_used_at == clock.now


def test_what_a_request_sets_on_its_credential_never_reaches_the_memo(remembered_pat):
    token, headers = remembered_pat
    plaintext = headers["HTTP_AUTHORIZATION"].split()[1]
    first = verification.verify("personal_access_token", plaintext, None).credential
    first.name, first.user.first_name = "changed by a view", "changed by a view"
    first._state.fields_cache["user"] = None
    again = verification.verify("personal_access_token", plaintext, None).credential
    assert (again.name, again.user.first_name) == (token.name, token.user.first_name)
    assert again.granted_scopes == frozenset({"orders:read"})

"""The JWT deny-list: the database decides, the cache only accelerates."""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from m2m_auth import freshness
from m2m_auth.models import RevokedToken
from m2m_auth.oauth import revocation

from .oauth_helpers import basic, bearer, request_token, unverified
from .outage_helpers import cache_down, database_down, forget_process_copies, service  # noqa: F401  (fixture)

# What workers share: a process-local cache is tested on its own below.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_redis")]


@pytest.fixture
def tokens(client, service):
    """Two JWTs of the service, the first revoked at the revocation endpoint."""
    app, secret = service
    revoked, kept = (request_token(client, app, secret).json()["access_token"] for _ in range(2))
    assert client.post("/oauth/revoke", {"token": revoked}, **basic(app.client_id, secret)).status_code == 200
    return revoked, kept


def answers(client, revoked, kept):
    return client.get("/api/whoami/", **bearer(revoked)).status_code, client.get("/api/whoami/", **bearer(kept)).status_code


def test_refused_on_the_very_next_request(client, tokens):
    assert answers(client, *tokens) == (401, 200)
    assert RevokedToken.objects.count() == 1


@pytest.mark.parametrize("lost", [
    [freshness.STAMP_KEY, revocation.LIST_KEY],  # flushed, restarted empty, replaced
    [freshness.STAMP_KEY],  # one key evicted
    [revocation.LIST_KEY],
])
def test_refused_after_the_cache_loses_its_copy(client, tokens, lost):
    answers(client, *tokens)
    cache.delete_many(lost)
    forget_process_copies()  # and on a worker that never saw the revocation
    assert answers(client, *tokens) == (401, 200)


def test_a_list_built_before_a_revocation_is_never_taken_for_current(client, service, tokens):
    revoked, kept = tokens
    stale_stamp = freshness.current()
    app, secret = service
    newer = request_token(client, app, secret).json()["access_token"]
    client.post("/oauth/revoke", {"token": newer}, **basic(app.client_id, secret))
    # a worker that read the stamp and the rows before that revocation stores its list late
    cache.set(revocation.LIST_KEY, (stale_stamp, frozenset(), time.time()), None)
    forget_process_copies()
    assert client.get("/api/whoami/", **bearer(newer)).status_code == 401


def test_no_query_per_jwt_request(client, tokens):
    answers(client, *tokens)
    with CaptureQueriesContext(connection) as queries:
        assert answers(client, *tokens) == (401, 200)
    assert len(queries) == 0


def test_the_database_answers_while_the_cache_is_down(client, tokens):
    with cache_down():
        forget_process_copies()
        assert answers(client, *tokens) == (401, 200)


def test_the_cache_answers_while_the_database_is_down(client, tokens):
    answers(client, *tokens)
    forget_process_copies()
    with database_down():
        assert answers(client, *tokens) == (401, 200)


def test_without_either_copy_a_jwt_is_a_503(client, tokens):
    answers(client, *tokens)
    cache.delete_many([freshness.STAMP_KEY, revocation.LIST_KEY])
    forget_process_copies()
    with database_down():
        assert client.get("/api/whoami/", **bearer(tokens[1])).status_code == 503


def test_introspection_asks_the_database(client, service, tokens):
    app, secret = service
    cache.clear()
    response = client.post("/oauth/introspect", {"token": tokens[0]}, **basic(app.client_id, secret))
    assert response.json() == {"active": False}


def test_a_revocation_the_cache_missed_is_seen_at_the_next_refresh(client, service, monkeypatch):
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    assert client.get("/api/whoami/", **bearer(token)).status_code == 200
    with cache_down():  # the revocation reaches the database only
        revocation.deny(unverified(token)[1])
    monkeypatch.setattr(freshness, "MAX_AGE", 0)
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401


def test_while_the_database_is_down_an_old_copy_still_answers(client, tokens, monkeypatch):
    answers(client, *tokens)
    monkeypatch.setattr(freshness, "MAX_AGE", 0)
    with database_down():
        assert answers(client, *tokens) == (401, 200)


def test_revoking_replaces_the_stamp(service):
    app, _ = service
    before = freshness.current()
    revocation.deny({"jti": "j-1", "client_id": app.client_id, "exp": int(time.time()) + 300})
    assert freshness.current() != before


def test_with_a_process_local_cache_each_jwt_request_asks_the_database(client, tokens, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    answers(client, *tokens)
    with CaptureQueriesContext(connection) as queries:
        assert answers(client, *tokens) == (401, 200)
    assert len(queries) == 2
    with database_down():
        assert client.get("/api/whoami/", **bearer(tokens[1])).status_code == 503

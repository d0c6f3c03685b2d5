"""A database or cache outage: 503 JSON with Retry-After where it must, an answer where it can."""

import pytest
from django.core.cache import caches
from django.db import DataError, IntegrityError, OperationalError

from m2m_auth import last_good
from m2m_auth.models import AuditEvent
from m2m_auth.outages import is_outage

from .oauth_helpers import basic, bearer, request_token
from .outage_helpers import (  # noqa: F401  (service is a fixture)
    cache_down, database_down, forget_process_copies, service, wrong_secret,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jwt(client, service):
    app, secret = service
    return request_token(client, app, secret).json()["access_token"]


def assert_unavailable(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"] == "temporarily_unavailable"


def test_only_connection_failures_are_outages():
    assert is_outage(OperationalError("gone"))
    assert not is_outage(DataError("NUL byte")) and not is_outage(IntegrityError("duplicate"))


def test_a_key_or_pat_is_a_503_while_the_database_is_down(client, make_api_key, make_pat):
    _, key = make_api_key()
    _, pat = make_pat()
    with database_down():
        assert_unavailable(client.get("/api/whoami/", HTTP_X_API_KEY=key))
        assert_unavailable(client.get("/api/whoami/", **bearer(pat)))
    assert client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
def test_the_oauth_endpoints_are_503_while_the_database_is_down(client, service, path):
    app, secret = service
    with database_down():
        assert_unavailable(client.post(path, {"grant_type": "client_credentials", "token": "x"},
                                       **basic(app.client_id, secret)))


def test_jwks_and_metadata_are_served_while_the_database_is_down(client):
    forget_process_copies()  # a fresh worker: its first reads fill the cache's copy
    jwks = client.get("/.well-known/jwks.json").json()
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    with database_down():
        assert client.get("/.well-known/jwks.json").json() == jwks
        assert client.get("/.well-known/oauth-authorization-server").json() == metadata
        forget_process_copies()  # another worker: the cache's copy answers
        assert client.get("/.well-known/jwks.json").json() == jwks
        assert client.get("/.well-known/oauth-authorization-server").json() == metadata


def test_jwks_is_a_503_when_no_good_copy_exists(client):
    client.get("/.well-known/jwks.json")
    forget_process_copies()
    with cache_down(), database_down():
        assert_unavailable(client.get("/.well-known/jwks.json"))


def test_the_self_service_page_is_an_html_503(client, make_user):
    client.force_login(make_user())
    with database_down():
        response = client.get("/account/tokens/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html") and b"Temporarily unavailable" in response.content


def test_a_jwt_works_while_the_database_is_down(client, jwt, shared_redis):
    assert client.get("/api/whoami/", **bearer(jwt)).status_code == 200
    with database_down():
        assert client.get("/api/whoami/", **bearer(jwt)).status_code == 200
        forget_process_copies()  # another worker: keys and deny-list from the cache
        assert client.get("/api/whoami/", **bearer(jwt)).status_code == 200


def test_with_a_process_local_cache_a_jwt_is_a_503_while_the_database_is_down(client, jwt, settings):
    # Nothing is remembered with a cache no other worker shares: the deny-list is the database's.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()  # what an earlier test left in this process's memory cache
    assert client.get("/api/whoami/", **bearer(jwt)).status_code == 200
    with database_down():
        assert_unavailable(client.get("/api/whoami/", **bearer(jwt)))


def test_an_outage_inside_a_protected_view_is_a_503(client, jwt):
    client.get("/api/whoami/", **bearer(jwt))
    with database_down():
        assert_unavailable(client.get("/api/orders/", **bearer(jwt)))


def test_a_jwt_works_while_the_cache_is_down(client, jwt):
    with cache_down():
        forget_process_copies()
        assert client.get("/api/whoami/", **bearer(jwt)).status_code == 200


def test_both_down_a_jwt_is_a_503_not_accepted_unchecked(client, jwt):
    forget_process_copies()
    with cache_down(), database_down():
        assert_unavailable(client.get("/api/whoami/", **bearer(jwt)))


def test_a_wrong_key_or_pat_is_a_401_while_the_cache_is_down(client, make_api_key, make_pat):
    _, key = make_api_key()
    _, pat = make_pat()
    with cache_down():
        assert client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
        for wrong in (wrong_secret(key), wrong_secret(pat)):
            for _ in range(3):
                assert client.get("/api/whoami/", **bearer(wrong)).status_code == 401
    # audit coalescing fell back to a per-process gate: one row per credential, not three
    assert AuditEvent.objects.filter(action="auth_failed").count() == 2


def test_a_token_is_issued_while_the_cache_is_down(client, service):
    app, secret = service
    with cache_down():
        forget_process_copies()
        response = request_token(client, app, secret)
    assert response.status_code == 200 and response.json()["access_token"]


def test_a_cache_restarted_empty_gets_the_last_good_copy_back_from_the_next_reader(client, monkeypatch):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    caches["default"].clear()  # the cache restarted empty; this worker's copy is unchanged
    monkeypatch.setattr(last_good, "REWRITE_EVERY", 0)
    client.get("/.well-known/oauth-authorization-server")
    with database_down():
        forget_process_copies()  # another worker, started during the outage
        assert client.get("/.well-known/oauth-authorization-server").json() == metadata

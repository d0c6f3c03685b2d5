"""A remote resource server in-process: this test site is both the issuer and,
with REMOTE_ISSUER pointing at itself, the remote server that follows its
revocation feed and introspects keys and PATs. HTTP goes through Django's test
client; the follower's rounds are driven by the test, not by its thread."""

import os
from types import SimpleNamespace

import pytest
from rest_framework.views import APIView

from m2m_auth import feed, issuing, revoking
from m2m_auth.oauth import remote_feed, remote_http, remote_introspection, remote_keys
from m2m_auth.oauth.authentication import JWTAuthentication
from m2m_auth.oauth.remote_feed import FeedFollower
from m2m_auth.oauth.remote_feed_client import FeedClient
from m2m_auth.oauth.remote_http import Response
from m2m_auth.oauth.remote_introspection import RemoteApiKeyAuthentication, RemotePersonalAccessTokenAuthentication

from .oauth_helpers import basic, bearer, request_token

pytestmark = pytest.mark.django_db
ISSUER = "http://127.0.0.1"  # plain http is accepted on loopback only


def django_fetch(client, calls=None):
    def fetch(url, timeout, headers=None, data=None):
        if calls is not None:
            calls.append(url)
        path = url.removeprefix(ISSUER)
        extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in (headers or {}).items()
                 if name != "Content-Type"}
        if data is None:
            answer = client.get(path, **extra)
        else:
            answer = client.post(path, data=data, content_type="application/x-www-form-urlencoded", **extra)
        return Response(answer.status_code, answer.content, dict(answer.headers))
    return fetch


def follower_of(client, calls=None) -> FeedFollower:
    follower = FeedFollower(ISSUER, FeedClient(ISSUER, fetch=django_fetch(client, calls)))
    follower._pid = os.getpid()  # no thread: the test drives it
    return follower


def one_round(follower: FeedFollower) -> None:
    follower._next_poll = 0
    follower.step()


@pytest.fixture
def remote(settings, client, monkeypatch, make_role):
    """This site as its own remote server, with an application allowed to introspect."""
    gateway = make_role(["m2m:introspect"], kind="machine")
    app, secret = issuing.create_application("remote-server", roles=[gateway.name])
    settings.M2M_AUTH = {**settings.M2M_AUTH, "ISSUER": ISSUER, "REMOTE_ISSUER": ISSUER, "REMOTE_CLIENT_ID": app.client_id,
                         "REMOTE_CLIENT_SECRET": secret}
    # DRF's views read their classes once, at import: set them where the views look.
    monkeypatch.setattr(APIView, "authentication_classes", [
        RemoteApiKeyAuthentication, RemotePersonalAccessTokenAuthentication, JWTAuthentication])
    remote_http._metadata.clear()
    remote_introspection.answers._answers.clear()
    follower = remote_feed._followers[ISSUER] = follower_of(client)
    remote_keys._sources[ISSUER] = remote_keys.RemoteKeySource(ISSUER, fetch=django_fetch(client))
    original = remote_introspection.http_fetch
    remote_introspection.http_fetch = django_fetch(client)
    # the test's transaction never commits: a revocation's feed generation moves at once
    monkeypatch.setattr(feed, "transaction", SimpleNamespace(on_commit=lambda callback: callback()))
    yield follower
    remote_introspection.http_fetch = original
    remote_feed._followers.pop(ISSUER)
    remote_keys._sources.pop(ISSUER)


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read"], kind="machine")
    return issuing.create_application("feed-client", roles=[role.name])


def whoami(client, token):
    header = {"HTTP_X_API_KEY": token} if token.startswith("m2m_ak_") else bearer(token)
    return client.get("/api/whoami/", **header)


def test_a_revoked_jwt_is_refused_after_one_round_of_the_follower(client, remote, service):
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    one_round(remote)
    assert whoami(client, token).status_code == 200
    client.post("/oauth/revoke", {"token": token}, **basic(app.client_id, secret))
    assert whoami(client, token).status_code == 200  # the follower has not polled yet
    one_round(remote)
    assert whoami(client, token).status_code == 401
    assert remote.status()["status"] == "ok" and remote.status()["revoked"] == 1


def test_api_keys_and_pats_are_introspected_then_cached_then_refused_by_the_feed(client, remote, make_api_key,
                                                                                make_pat):
    (key, key_secret), (pat, pat_secret) = make_api_key(), make_pat()
    calls = []
    remote_introspection.http_fetch = django_fetch(client, calls)
    answer = whoami(client, key_secret)
    assert answer.status_code == 200 and answer.json()["credential_id"] == key.public_id
    assert answer.json()["scopes"] == ["orders:read"]
    mine = whoami(client, pat_secret).json()
    assert mine["kind"] == "personal_access_token" and mine["username"] == pat.user.username
    whoami(client, key_secret)
    assert [url.rsplit("/", 1)[-1] for url in calls].count("introspect") == 2  # the second use of the key: cached
    revoking.revoke(key)
    revoking.revoke(pat)
    one_round(remote)
    assert whoami(client, key_secret).status_code == 401 and whoami(client, pat_secret).status_code == 401


def test_a_bad_key_is_a_401_and_an_unreachable_issuer_a_503(client, remote, make_api_key, settings):
    _, key_secret = make_api_key()
    assert whoami(client, key_secret[:-3] + "AAA").status_code == 401
    remote_introspection.http_fetch = lambda *args, **kwargs: Response(500, b"")
    remote_http._metadata.clear()
    answer = whoami(client, key_secret)
    assert answer.status_code == 503 and answer["Retry-After"] and answer.json()["error"] == "temporarily_unavailable"


def test_followers_sharing_a_cache_make_one_follower_at_the_issuer(client, remote):
    calls = []
    leader, others = follower_of(client, calls), [follower_of(client, calls) for _ in range(5)]
    one_round(leader)
    for follower in others:
        one_round(follower)
    assert len([url for url in calls if "revocations" in url]) == 1
    assert all(follower.synced_at == leader.synced_at for follower in others)


def test_a_follower_that_is_not_the_leader_asks_for_the_lease_once_a_poll_interval(client, remote, monkeypatch):
    leader, other = follower_of(client), follower_of(client)
    one_round(leader)
    other.client.poll_interval = 60
    asked = []
    lead = other._lead
    monkeypatch.setattr(other, "_lead", lambda: asked.append(True) or lead())
    for _ in range(5):
        other.step()
    assert len(asked) == 1 and other.synced_at == leader.synced_at


def test_an_unreachable_feed_keeps_what_it_has_then_says_stale_then_refuses_if_asked(client, remote, service,
                                                                                   settings):
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    one_round(remote)
    remote.client.fetch = lambda *args, **kwargs: (_ for _ in ()).throw(OSError("connection refused"))
    remote_http._metadata.clear()
    remote.poll()
    assert remote.status()["status"] == "degraded" and "connection refused" in remote.status()["error"]
    assert whoami(client, token).status_code == 200
    remote.synced_at -= 60
    assert remote.status()["status"] == "stale" and client.get("/m2m-auth/health").status_code == 200
    settings.M2M_AUTH = {**settings.M2M_AUTH, "REMOTE_FEED_REFUSE_AFTER": 30}
    refused = whoami(client, token)
    assert refused.status_code == 503 and refused["Retry-After"]
    health = client.get("/m2m-auth/health")
    assert health.status_code == 503 and health.json()["status"] == "refusing"


def test_without_a_shared_cache_each_process_follows_alone(client, remote, monkeypatch):
    class BrokenCache:
        def __getattr__(self, name):
            def broken(*args, **kwargs):
                raise ConnectionError("cache down")
            return broken

    monkeypatch.setattr(remote_feed, "shared_cache", SimpleNamespace(cache=BrokenCache))  # not the issuer's cache
    follower = follower_of(client)
    one_round(follower)
    assert follower.synced_at is not None and follower.error is None


def test_the_issuer_reports_its_own_health(client):
    assert client.get("/m2m-auth/health").json() == {"status": "ok", "mode": "issuer"}

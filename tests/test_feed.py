"""The issuer's revocation feed: one event per revocation, a cursor, cheap repeated answers."""

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from m2m_auth import feed, issuing, pruning, revoking, shared_cache
from m2m_auth.models import RevocationEvent

from .oauth_helpers import basic, request_token

pytestmark = pytest.mark.django_db
FEED = "/oauth/revocations"


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read"], kind="machine")
    return issuing.create_application("feed-client", roles=[role.name])


def revoke_jwt(client, app, secret, commits):
    token = request_token(client, app, secret).json()["access_token"]
    with commits(execute=True):
        assert client.post("/oauth/revoke", {"token": token}, **basic(app.client_id, secret)).status_code == 200
    return token


def test_metadata_names_the_feed(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["revocation_feed_endpoint"] == "http://testserver/oauth/revocations"


def test_revoked_jwts_keys_and_pats_appear_once_with_their_public_ids(client, service, make_api_key, make_pat,
                                                                       django_capture_on_commit_callbacks, clock):
    app, secret = service
    revoke_jwt(client, app, secret, django_capture_on_commit_callbacks)
    key, _ = make_api_key()
    pat, _ = make_pat()
    with django_capture_on_commit_callbacks(execute=True):
        revoking.revoke(key)
        revoking.revoke(pat)
        revoking.revoke(key)  # already revoked: no second event
    clock.advance(feed.SETTLE.total_seconds() + 1)
    answer = client.get(FEED).json()
    assert answer["issuer"] == "http://testserver" and answer["more"] is False
    kinds = [(event["type"], event.get("id")) for event in answer["events"]]
    assert kinds[1:] == [("api_key", key.public_id), ("personal_access_token", pat.public_id)]
    assert kinds[0][0] == "jwt" and len(answer["events"][0]["jti"]) > 10
    assert answer["cursor"] == str(RevocationEvent.objects.latest("id").id)
    assert client.get(FEED, {"since": answer["cursor"]}).json()["events"] == []


def test_client_secrets_are_not_published(service):
    app, _ = service
    revoking.revoke(app.secrets.get())
    assert not RevocationEvent.objects.exists()


def test_the_cursor_waits_until_events_settle(client, make_api_key, clock, django_capture_on_commit_callbacks):
    key, _ = make_api_key()
    with django_capture_on_commit_callbacks(execute=True):
        revoking.revoke(key)
    fresh = client.get(FEED).json()
    assert fresh["cursor"] == "0" and [event["id"] for event in fresh["events"]] == [key.public_id]
    clock.advance(feed.SETTLE.total_seconds() + 1)
    feed._advance_generation()
    assert client.get(FEED).json()["cursor"] != "0"


def test_many_followers_at_one_cursor_cost_one_query(client, make_api_key, django_capture_on_commit_callbacks):
    for _ in range(3):
        key, _ = make_api_key()
        with django_capture_on_commit_callbacks(execute=True):
            revoking.revoke(key)
    with CaptureQueriesContext(connection) as queries:
        answers = {client.get(FEED, {"since": "0"}).content for _ in range(200)}
    assert len(answers) == 1 and len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        for number in range(50):
            key, _ = make_api_key()
            with django_capture_on_commit_callbacks(execute=True):
                revoking.revoke(key)
            client.get(FEED, {"since": "0"})
            client.get(FEED, {"since": "0"})
    feed_queries = [query for query in queries if "m2m_auth_revocationevent" in query["sql"] and "SELECT" in query["sql"]]
    assert len(feed_queries) == 50  # one per revocation, whatever the number of followers


def test_an_unchanged_feed_is_a_304(client):
    first = client.get(FEED)
    again = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert "no-cache" in first["Cache-Control"]


@pytest.mark.parametrize("since", ["-1", "abc", "1" * 30, "１", ""])
def test_a_bad_cursor_is_a_400(client, since):
    response = client.get(FEED, {"since": since})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_a_cursor_from_elsewhere_starts_again(client, make_api_key, django_capture_on_commit_callbacks):
    key, _ = make_api_key()
    with django_capture_on_commit_callbacks(execute=True):
        revoking.revoke(key)
    answer = client.get(FEED, {"since": "999999"}).json()
    assert answer["reset"] is True and [event["id"] for event in answer["events"]] == [key.public_id]


def test_expired_events_are_not_served_and_can_be_pruned(client, make_api_key, clock):
    key, _ = make_api_key()
    revoking.revoke(key)
    clock.advance(2 * feed.KEY_RETENTION.total_seconds() + 1)
    assert client.get(FEED).json()["events"] == []
    assert pruning.prune()["revocation_events"] == 1 and not RevocationEvent.objects.exists()


def test_post_is_refused(client):
    assert client.post(FEED).status_code == 405


def test_the_feed_answers_without_its_cache(client, make_api_key, monkeypatch):
    key, _ = make_api_key()
    revoking.revoke(key)

    class BrokenCache:
        def __getattr__(self, name):
            raise OperationalError("cache down")

    monkeypatch.setattr(shared_cache, "cache", BrokenCache)
    answer = client.get(FEED)
    assert answer.status_code == 200 and [event["id"] for event in answer.json()["events"]] == [key.public_id]

"""Reading a revocation feed: paging, ETags, and answers that are refused."""

import json

import pytest

from m2m_auth.oauth import remote_http
from m2m_auth.oauth.remote_feed_client import FeedClient
from m2m_auth.oauth.remote_http import RemoteError, Response
from m2m_auth.oauth.remote_keys import RemoteKeySource, advertised_lifetime

ISSUER = "https://auth.example.com"
FEED = f"{ISSUER}/oauth/revocations"


class FakeIssuer:
    def __init__(self, pages):
        self.pages, self.asked = pages, []

    def __call__(self, url, timeout, headers=None, data=None):
        if url.endswith("oauth-authorization-server"):
            return Response(200, json.dumps({"issuer": ISSUER, "revocation_feed_endpoint": FEED}).encode())
        self.asked.append((url, dict(headers or {})))
        status, body, etag = self.pages[url.split("since=")[1]]
        return Response(status, json.dumps(body).encode() if body else b"", {"ETag": etag})


@pytest.fixture(autouse=True)
def no_cached_metadata():
    remote_http._metadata.clear()


def page(cursor, events, more=False, **extra):
    return {"issuer": ISSUER, "cursor": cursor, "events": events, "more": more, "poll_interval": 0.5, **extra}


def test_pages_are_followed_and_events_keyed_by_kind():
    issuer = FakeIssuer({
        "0": (200, page("2", [{"type": "jwt", "jti": "a", "exp": 10}], more=True), '"e0"'),
        "2": (200, page("3", [{"type": "api_key", "id": "k", "exp": 20}]), '"e2"'),
    })
    client = FeedClient(ISSUER, fetch=issuer)
    revoked, cursor = client.changes_since(None)
    assert revoked == {"jwt:a": 10.0, "api_key:k": 20.0} and cursor == "3" and client.poll_interval == 0.5


def test_a_repeated_question_carries_the_etag_and_a_304_changes_nothing():
    issuer = FakeIssuer({"5": (200, page("5", []), '"same"')})
    client = FeedClient(ISSUER, fetch=issuer)
    client.changes_since("5")
    issuer.pages["5"] = (304, None, '"same"')
    assert client.changes_since("5") == ({}, "5")
    assert issuer.asked[-1][1] == {"If-None-Match": '"same"'}


@pytest.mark.parametrize("answer", [
    page("not-a-number", []),
    {**page("1", []), "issuer": "https://evil.example"},
])
def test_a_bad_answer_is_an_error(answer):
    with pytest.raises(RemoteError):
        FeedClient(ISSUER, fetch=FakeIssuer({"0": (200, answer, '"x"')})).changes_since(None)


def test_malformed_events_are_skipped():
    events = [{"type": "jwt"}, {"type": "nope", "id": "x", "exp": 1}, "junk", {"type": "jwt", "jti": "x" * 200, "exp": 1},
              {"type": "personal_access_token", "id": "p", "exp": 5}]
    revoked, _ = FeedClient(ISSUER, fetch=FakeIssuer({"0": (200, page("1", events), '"x"')})).changes_since(None)
    assert revoked == {"personal_access_token:p": 5.0}


def test_the_jwks_lifetime_is_its_max_age_less_its_age():
    assert advertised_lifetime(Response(200, b"", {"Cache-Control": "public, max-age=300", "Age": "100"})) == 200
    assert advertised_lifetime(Response(200, b"", {})) is None


def test_the_key_set_is_refetched_when_the_issuer_says_it_is_stale():
    now = [0.0]
    fetched = []

    def fetch(url, timeout, headers=None, data=None):
        if url.endswith("oauth-authorization-server"):
            return Response(200, json.dumps({"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"}).encode())
        fetched.append(now[0])
        return Response(200, b'{"keys": []}', {"Cache-Control": "public, max-age=2"})

    source = RemoteKeySource(ISSUER, fetch=fetch, clock=lambda: now[0])
    source.key("k")
    now[0] = 1.7
    source.refresh_if_due()  # past 80 % of its life: refreshed ahead, off the request path
    now[0] = 2.5
    source.refresh_if_due()
    assert fetched == [0.0, 1.7]

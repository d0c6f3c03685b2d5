"""No secret reaches a log line, an audit row or a cache key name (issue 9, DESIGN "When something fails").

The classic leak: a client that swaps its id and its secret presents the
secret where the public client id belongs. With ``REDIS_URL`` set the cache
is the real Redis, and its whole keyspace is scanned.
"""

import json
import logging

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from m2m_auth import issuing
from m2m_auth.models import AuditEvent
from m2m_auth.oauth import client_auth

from .hostile import b64url
from .oauth_helpers import TOKEN_URL, basic, bearer

pytestmark = pytest.mark.django_db
ENDPOINTS = [TOKEN_URL, "/oauth/introspect", "/oauth/revoke"]


@pytest.fixture
def service(make_role):
    return issuing.create_application("swapper", roles=[make_role(["orders:read"], kind="machine").name])


def cache_key_names() -> list[str]:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return [key.decode() for key in cache._cache.get_client().scan_iter("*")]
    return list(cache._cache)


def traces_of(secret: str, caplog) -> list[str]:
    """Where the secret, or its random part alone, shows up."""
    needles = [secret, secret[-38:]]
    rows = [json.dumps([e.target_kind, e.target_id, e.actor, e.detail]) for e in AuditEvent.objects.all()]
    places = {"log": [caplog.text], "audit": rows, "cache": cache_key_names()}
    return [f"{where}: {text[:120]}" for where, texts in places.items() for text in texts
            if any(needle in text for needle in needles)]


def swapped(how: str, client_id: str, secret: str) -> dict:
    if how == "basic":
        return {"data": {"grant_type": "client_credentials", "token": "x"}, **basic(secret, client_id)}
    if how == "post":
        return {"data": {"grant_type": "client_credentials", "token": "x", "client_id": secret,
                         "client_secret": client_id}}
    assertion = ".".join([b64url(b'{"alg":"RS256","kid":"k"}'), b64url(json.dumps({"iss": secret}).encode()), "c2ln"])
    return {"data": {"grant_type": "client_credentials", "token": "x", "client_assertion": assertion,
                     "client_assertion_type": client_auth.ASSERTION_TYPE}}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("how", ["basic", "post", "assertion"])
def test_a_swapped_id_and_secret_leaves_no_trace(client, service, caplog, path, how):
    caplog.set_level(logging.DEBUG)
    app, secret = service
    for _ in range(3):
        request = swapped(how, app.client_id, secret)
        response = client.post(path, request.pop("data"), **request)
        assert response.status_code == 401
    assert AuditEvent.objects.filter(action="auth_failed").exists()
    assert any(":m2m_auth:failed:" in name for name in cache_key_names())  # the scan sees our keys
    assert traces_of(secret, caplog) == []


@pytest.mark.parametrize("header", ["HTTP_X_API_KEY", "HTTP_AUTHORIZATION"])
def test_a_secret_of_the_wrong_kind_at_the_api_leaves_no_trace(client, service, caplog, header):
    caplog.set_level(logging.DEBUG)
    _, secret = service
    value = secret if header == "HTTP_X_API_KEY" else f"Bearer {secret}"
    assert client.get("/api/whoami/", **{header: value}).status_code == 401
    assert traces_of(secret, caplog) == []


def test_a_jwt_whose_claims_hold_a_secret_leaves_no_trace(client, service, caplog, make_api_key):
    caplog.set_level(logging.DEBUG)
    _, key = make_api_key()
    header = b64url(json.dumps({"typ": "at+jwt", "alg": "RS256", "kid": key}).encode())
    token = ".".join([header, b64url(json.dumps({"jti": key, "client_id": key}).encode()), "c2ln"])
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401
    assert traces_of(key, caplog) == []


def test_a_wrong_secret_for_a_real_key_is_audited_by_public_id_only(client, make_api_key, caplog):
    caplog.set_level(logging.DEBUG)
    obj, key = make_api_key()
    from .test_authentication import _forge

    wrong = _forge(key, random_part="c" * 32)
    assert client.get("/api/whoami/", HTTP_X_API_KEY=wrong).status_code == 401
    assert AuditEvent.objects.get(action="auth_failed").target_id == obj.public_id
    assert traces_of(wrong, caplog) == [] and traces_of(key, caplog) == []

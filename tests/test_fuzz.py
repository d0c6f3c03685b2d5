"""Hostile input against every m2m-auth endpoint and the demo's protected views: never a 5xx.

Property-based (Hypothesis): headers, form and JSON bodies, Basic credentials,
client ids, scopes and JWT headers made of arbitrary bytes or text, or near
misses of real credentials. Run on PostgreSQL too (``DATABASE_URL``): SQLite
accepts a NUL or an overlong string where PostgreSQL raises ``DataError``.
Each request runs in a savepoint rolled back afterwards, so examples do not
see each other's writes. Every failing example found is kept in
``test_hostile_input.py`` as a plain regression test.
"""

from __future__ import annotations

import json
import os
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import caches
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m2m_auth import hashing, issuing
from m2m_auth.oauth import client_auth
from m2m_auth.oauth.exchange import PAT_TOKEN_TYPE
from m2m_auth.oauth.validator import TOKEN_EXCHANGE

from . import certs, hostile
from .oauth_helpers import basic, request_token

pytestmark = pytest.mark.django_db
# ~2,000 requests in about a minute; M2M_FUZZ_EXAMPLES=2000 for a deeper run by hand.
EXAMPLES = settings(
    max_examples=int(os.environ.get("M2M_FUZZ_EXAMPLES", 200)), deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
CERTIFICATE = certs.self_signed("fuzzer")
OAUTH = ["/oauth/token", "/oauth/introspect", "/oauth/revoke"]
PAGES = ["/.well-known/oauth-authorization-server", "/.well-known/jwks.json", "/account/tokens/", "/api/orders/",
         "/api/whoami/", *OAUTH]
FORM_FIELDS = ["grant_type", "client_id", "client_secret", "scope", "resource", "token", "token_type_hint",
               "subject_token", "subject_token_type", "client_assertion", "client_assertion_type", "name", "scopes",
               "lifetime", "item", "quantity"]


@pytest.fixture
def world(client, make_role, make_api_key, make_pat, settings):
    # The test client is a trusted proxy, so forwarded addresses and certificates are read too.
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": ["127.0.0.1/32"]}
    role = make_role(["orders:read", "orders:write", "m2m:introspect"], kind="machine")
    app, secret = issuing.create_application("fuzzed", roles=[role.name])
    pat_obj, pat = make_pat(scopes=["orders:read"])
    jwt = request_token(client, app, secret).json()["access_token"]
    key = make_api_key(scopes=["orders:read", "orders:write"])[1]
    return SimpleNamespace(app=app, secret=secret, key=key, pat=pat, user=pat_obj.user, jwt=jwt)


def send(client, method: str, path: str, **kwargs):
    """One request in a savepoint that is rolled back, with empty caches (no rate limit left over); no 5xx."""
    caches["default"].clear()
    with transaction.atomic():
        response = client.generic(method, path, **kwargs)
        transaction.set_rollback(True)
    assert response.status_code < 500, (method, path, response.status_code)
    if path in OAUTH and response.status_code != 429:
        assert response["Content-Type"] == "application/json", response.content[:200]
    return response


def form(fields: dict) -> dict:
    return {"data": urlencode(fields).encode(), "content_type": "application/x-www-form-urlencoded"}


def any_token(world) -> st.SearchStrategy[str]:
    return st.one_of(
        hostile.secrets_of(world.key, hashing.prefix("api_key")),
        hostile.secrets_of(world.pat, hashing.prefix("personal_access_token")),
        hostile.secrets_of(world.secret, hashing.prefix("client_secret")),
        hostile.near_misses(world.jwt), hostile.jwt_like,
    )


def client_authentication(world) -> st.SearchStrategy[tuple[dict, dict]]:
    """(headers, form fields) for any way of presenting a client, right or wrong."""
    ids = hostile.client_ids(world.app.client_id, world.secret)
    secrets = hostile.secrets_of(world.secret, hashing.prefix("client_secret"))
    return st.one_of(
        st.just((basic(world.app.client_id, world.secret), {})),
        hostile.basic_authorization(ids, secrets).map(lambda value: ({"HTTP_AUTHORIZATION": value}, {})),
        st.builds(lambda c, s: ({}, {"client_id": c, "client_secret": s}), ids, secrets),
        st.builds(lambda c, a: ({}, {"client_id": c, "client_assertion_type": client_auth.ASSERTION_TYPE,
                                     "client_assertion": a}), ids, hostile.jwt_like),
        st.just(({}, {})),
    )


@EXAMPLES
@given(data=st.data())
def test_token_endpoint(client, world, data):
    headers, fields = data.draw(client_authentication(world))
    grant = data.draw(st.sampled_from(["client_credentials", TOKEN_EXCHANGE]) | hostile.texts)
    extra = data.draw(st.fixed_dictionaries({}, optional={
        "scope": hostile.scope_values, "resource": hostile.texts | st.just("https://api.demo.local"),
        "subject_token": hostile.secrets_of(world.pat, hashing.prefix("personal_access_token")),
        "subject_token_type": st.just(PAT_TOKEN_TYPE) | hostile.texts,
    }))
    forwarded = data.draw(st.fixed_dictionaries({}, optional={
        "HTTP_CLIENT_CERT": st.just(CERTIFICATE.rfc9440()) | hostile.header_values,
        "HTTP_X_FORWARDED_FOR": hostile.header_values,
    }))
    send(client, "POST", "/oauth/token", **form({"grant_type": grant, **fields, **extra}), **headers, **forwarded)


@EXAMPLES
@given(data=st.data())
def test_introspection_and_revocation(client, world, data):
    headers, fields = data.draw(client_authentication(world))
    path = data.draw(st.sampled_from(OAUTH[1:]))
    hint = data.draw(st.fixed_dictionaries({}, optional={"token_type_hint": hostile.texts}))
    send(client, "POST", path, **form({"token": data.draw(any_token(world)), **fields, **hint}), **headers)


@EXAMPLES
@given(data=st.data())
def test_protected_views(client, world, data):
    headers = data.draw(st.fixed_dictionaries({}, optional={
        "HTTP_X_API_KEY": any_token(world) | hostile.header_values,
        "HTTP_AUTHORIZATION": st.builds(lambda scheme, token: f"{scheme} {token}",
                                        st.sampled_from(["Bearer", "bearer", "Basic", ""]), any_token(world)),
        "HTTP_CLIENT_CERT": hostile.header_values,
        "HTTP_X_FORWARDED_FOR": hostile.header_values | st.just("10.0.0.1, 127.0.0.1"),
    }))
    method, path = data.draw(st.sampled_from(["GET", "POST"])), data.draw(st.sampled_from(["/api/orders/", "/api/whoami/"]))
    body = data.draw(hostile.json_values.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=200))
    send(client, method, path, data=body, content_type="application/json", **headers)


@EXAMPLES
@given(data=st.data())
def test_jwt_headers_and_claims(client, world, data):
    token = data.draw(hostile.jwt_like | hostile.near_misses(world.jwt))
    send(client, "GET", "/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
    send(client, "POST", data.draw(st.sampled_from(OAUTH[1:])), **form({"token": token}),
         **basic(world.app.client_id, world.secret))


@EXAMPLES
@given(data=st.data())
def test_raw_requests_to_every_page(client, world, data):
    """Any method, query string, content type, body bytes and header on every page."""
    path = data.draw(st.sampled_from(PAGES))
    extra = data.draw(st.dictionaries(st.sampled_from(["HTTP_AUTHORIZATION", "HTTP_X_API_KEY", "HTTP_CLIENT_CERT",
                                                       "HTTP_X_FORWARDED_FOR", "HTTP_ACCEPT", "HTTP_COOKIE"]),
                                      hostile.header_values, max_size=3))
    send(client, data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"])), path,
         data=data.draw(st.binary(max_size=500)),
         content_type=data.draw(st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data",
                                                 "multipart/form-data; boundary=x", "application/json",
                                                 "text/plain"]) | hostile.header_values),
         QUERY_STRING=data.draw(hostile.query_strings), **extra)


@EXAMPLES
@given(data=st.data())
def test_form_fields_on_every_endpoint(client, world, data):
    client.force_login(world.user)
    path = data.draw(st.sampled_from(PAGES))
    fields = data.draw(st.lists(st.tuples(st.sampled_from(FORM_FIELDS) | hostile.texts, hostile.texts), max_size=8))
    send(client, "POST", path, **form(fields))


@EXAMPLES
@given(public_id=hostile.texts | hostile.near_misses("A" * 12))
def test_self_service_revoke_path(client, world, public_id):
    client.force_login(world.user)
    if public_id.strip("/.") == "" or "/" in public_id:
        public_id = f"x{public_id}".replace("/", "")
    send(client, "POST", f"/account/tokens/{quote(public_id, safe='')}/revoke/")


@EXAMPLES
@given(data=st.data())
def test_self_service_token_creation(client, world, data):
    client.force_login(world.user)
    fields = [("name", data.draw(hostile.texts)), ("lifetime", data.draw(st.sampled_from(["30", "90"]) | hostile.texts))]
    fields += [("scopes", scope) for scope in data.draw(st.lists(st.just("orders:read") | hostile.texts, max_size=3))]
    send(client, "POST", "/account/tokens/", **form(fields))

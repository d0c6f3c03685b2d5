"""The common token request's own path (m2m_auth/oauth/client_credentials.py) answers as oauthlib does."""

import json

import pytest
from oauthlib.common import urlencode

from m2m_auth import issuing
from m2m_auth.oauth import client_credentials, server

from .oauth_helpers import DEMO_AUDIENCE, ISSUER, basic, unverified

pytestmark = pytest.mark.django_db
FORMS = {
    "all held": [],
    "a scope": [("scope", "orders:read")],
    "the resource": [("resource", DEMO_AUDIENCE)],
    "a scope not held": [("scope", "orders:delete")],
    "an empty scope": [("scope", "")],
    "an unknown resource": [("resource", "https://nowhere.example")],
    "two resources": [("resource", DEMO_AUDIENCE), ("resource", "https://nowhere.example")],
}


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read", "orders:write"], kind="machine")
    return issuing.create_application("lean", roles=[role.name])


def both_answers(form, app, secret):
    form = [("grant_type", "client_credentials"), *form]
    context = server.Context(ISSUER, [], "127.0.0.1", basic(app.client_id, secret))
    headers = {"Authorization": context.meta["HTTP_AUTHORIZATION"]}
    by_oauthlib = server._server().create_token_response("/oauth/token", body=urlencode(form), headers=headers,
                                                          credentials=context)
    return client_credentials.answer(form, context), by_oauthlib


def comparable(answer):
    headers, body, status = answer
    data = json.loads(body)
    if "access_token" in data:
        header, claims = unverified(data.pop("access_token"))
        data.update(header=header, claims={k: v for k, v in claims.items() if k not in ("jti", "iat", "nbf", "exp")})
    return headers, data, status


@pytest.mark.parametrize("case", FORMS)
def test_the_answer_is_oauthlibs(case, service):
    app, secret = service
    ours, theirs = both_answers(FORMS[case], app, secret)
    assert list(json.loads(ours[1])) == list(json.loads(theirs[1]))  # the same members in the same order
    assert comparable(ours) == comparable(theirs)


def test_a_wrong_secret_is_a_401(service):
    app, _ = service
    ours, theirs = both_answers([], app, "m2m_cs_wrong")
    assert ours[2] == theirs[2] == 401


def test_other_grants_and_refused_grant_types_are_left_to_oauthlib(service, make_role):
    app, secret = service
    context = server.Context(ISSUER, [], "127.0.0.1", basic(app.client_id, secret))
    assert client_credentials.answer([("grant_type", "password")], context) is None
    bare, bare_secret = issuing.create_application("no-roles")
    context = server.Context(ISSUER, [], "127.0.0.1", basic(bare.client_id, bare_secret))
    assert client_credentials.answer([("grant_type", "client_credentials")], context) is None

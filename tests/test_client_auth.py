"""Client authentication: secrets (Basic and POST) and private_key_jwt assertions."""

import base64
import time
import uuid
from urllib.parse import quote_plus

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from m2m_auth import issuing, revoking
from m2m_auth.oauth import client_auth
from m2m_auth.oauth.clients import register_jwks

pytestmark = pytest.mark.django_db
AUDIENCE = "http://testserver/oauth/token"


def basic(client_id: str, secret: str) -> str:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def authenticate(authorization="", **form):
    return client_auth.authenticate_client(authorization, form, "127.0.0.1", [AUDIENCE])


@pytest.fixture
def app_and_secret():
    return issuing.create_application(f"client-{uuid.uuid4().hex[:8]}")


def test_secret_basic_and_post(app_and_secret):
    app, secret = app_and_secret
    assert authenticate(basic(app.client_id, secret)).application == app
    assert authenticate(client_id=app.client_id, client_secret=secret).application == app
    assert authenticate(basic(app.client_id, secret)).method == "client_secret_basic"


@pytest.mark.parametrize(
    "make_header, form",
    [
        (lambda app, s: basic(app.client_id, s[:-1] + ("y" if s.endswith("x") else "x")), {}),
        (lambda app, s: basic("someone-else", s), {}),
        (lambda app, s: "Basic !!!not-base64", {}),
        (lambda app, s: "Basic " + base64.b64encode(b"no-colon").decode(), {}),
        (lambda app, s: "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(), {}),
        (lambda app, s: basic(app.client_id, s), {"client_secret": "also-here"}),
        (lambda app, s: "", {"client_id": "x", "client_secret": "m2m_cs_nope"}),
        (lambda app, s: "", {}),
    ],
)
def test_bad_client_credentials_fail(app_and_secret, make_header, form):
    app, secret = app_and_secret
    assert authenticate(make_header(app, secret), **form).application is None


def test_revoked_or_expired_secret_or_disabled_app_fails(app_and_secret, clock):
    app, secret = app_and_secret
    revoking.revoke(app.secrets.get())
    assert authenticate(basic(app.client_id, secret)).application is None
    app2, secret2 = issuing.create_application("other")
    revoking.disable_application(app2)
    assert authenticate(basic(app2.client_id, secret2)).application is None


def keypair(kind="rsa"):
    if kind == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return private, {**RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "k1", "alg": "RS256"}, "RS256"
    private = ec.generate_private_key(ec.SECP256R1())
    return private, {**ECAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "k1", "alg": "ES256"}, "ES256"


def assertion(private, alg, client_id, **overrides):
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": AUDIENCE, "iat": now, "exp": now + 60,
              "jti": uuid.uuid4().hex, **overrides}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, private, algorithm=alg, headers={"kid": "k1"})


def jwt_form(token, **extra):
    return {"client_assertion_type": client_auth.ASSERTION_TYPE, "client_assertion": token, **extra}


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_private_key_jwt(app_and_secret, kind):
    app, _ = app_and_secret
    private, public, alg = keypair(kind)
    register_jwks(app, {"keys": [public]})
    outcome = authenticate(**jwt_form(assertion(private, alg, app.client_id)))
    assert (outcome.application, outcome.method) == (app, "private_key_jwt")


def test_assertion_is_single_use(app_and_secret):
    app, _ = app_and_secret
    private, public, alg = keypair()
    register_jwks(app, {"keys": [public]})
    token = assertion(private, alg, app.client_id)
    assert authenticate(**jwt_form(token)).application == app
    assert authenticate(**jwt_form(token)).application is None


@pytest.mark.parametrize(
    "overrides",
    [{"aud": "https://elsewhere"}, {"exp": int(time.time()) - 600}, {"exp": int(time.time()) + 7200},
     {"sub": "someone-else"}, {"jti": None}, {"aud": None}],
)
def test_bad_assertions_fail(app_and_secret, overrides):
    app, _ = app_and_secret
    private, public, alg = keypair()
    register_jwks(app, {"keys": [public]})
    assert authenticate(**jwt_form(assertion(private, alg, app.client_id, **overrides))).application is None


def test_assertion_signed_by_another_key_or_with_hmac_fails(app_and_secret):
    app, _ = app_and_secret
    _, public, alg = keypair()
    register_jwks(app, {"keys": [public]})
    other, _, _ = keypair()
    assert authenticate(**jwt_form(assertion(other, alg, app.client_id))).application is None
    hmac_token = jwt.encode({"iss": app.client_id, "sub": app.client_id, "aud": AUDIENCE, "exp": int(time.time()) + 60,
                             "jti": "x"}, "s" * 32, algorithm="HS256", headers={"kid": "k1"})
    assert authenticate(**jwt_form(hmac_token)).application is None


def test_assertion_without_registered_keys_or_wrong_type_fails(app_and_secret):
    app, _ = app_and_secret
    private, _, alg = keypair()
    token = assertion(private, alg, app.client_id)
    assert authenticate(**jwt_form(token)).application is None
    assert authenticate(client_assertion_type="urn:other", client_assertion=token).application is None
    assert authenticate(**jwt_form("not.a.jwt")).application is None


def test_claimed_client_id_for_rate_limiting(app_and_secret):
    app, secret = app_and_secret
    private, _, alg = keypair()
    basic_id, jwt_id, posted_id = "B" * 24, "J" * 24, "P" * 24
    assert client_auth.claimed_client_id(basic(basic_id, "x"), {}) == basic_id
    assert client_auth.claimed_client_id("", jwt_form(assertion(private, alg, jwt_id))) == jwt_id
    assert client_auth.claimed_client_id("", {"client_id": posted_id, "client_secret": "s"}) == posted_id


@pytest.mark.parametrize("claimed", ["abc", "x" * 300, "A" * 23 + "\x00", "m2m_cs_" + "A" * 17, "Ü" * 24])
def test_a_claimed_id_without_a_client_ids_shape_is_not_a_client_id(claimed):
    """Such a value is never queried, logged, audited or made a cache key: it may be a swapped secret."""
    assert client_auth.claimed_client_id(basic(claimed, "x"), {}) is None
    assert client_auth.claimed_client_id("", {"client_id": claimed, "client_secret": "s"}) is None

"""JWTAuthentication: offline verification, fail closed on every bad token."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from m2m_auth import issuing
from m2m_auth.models import SigningKey
from m2m_auth.oauth import keys, tokens

from .oauth_helpers import DEMO_AUDIENCE, ISSUER, basic, bearer, request_token

pytestmark = pytest.mark.django_db
INVALID = {"detail": "Invalid credentials."}


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read"], kind="machine")
    return issuing.create_application("jwt-client", roles=[role.name])


def signed(claims=None, headers=None, private=None, algorithm=None, drop=()):
    """A token signed with the current key unless told otherwise."""
    key = keys.current_key()
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "c", "aud": DEMO_AUDIENCE, "client_id": "c", "scope": "orders:read",
            "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex, **(claims or {})}
    for name in drop:
        body.pop(name)
    head = {"typ": "at+jwt", "kid": key.kid, **(headers or {})}
    return jwt.encode(body, private or keys.private_key(key), algorithm=algorithm or key.algorithm, headers=head)


def assert_rejected(response):
    assert response.status_code == 401 and response.json() == INVALID
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_valid_token_needs_no_query(client, shared_redis):
    token = signed()
    client.get("/api/whoami/", **bearer(token))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/whoami/", **bearer(token))
    assert response.status_code == 200 and response.json()["kind"] == "oauth_client"
    assert len(queries) == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda: signed({"iss": "https://evil.example"}),
        lambda: signed({"aud": "https://other.example"}),
        lambda: signed({"exp": int(time.time()) - 120}),
        lambda: signed({"nbf": int(time.time()) + 600}),
        lambda: signed(headers={"typ": "JWT"}),
        lambda: signed(headers={"typ": None}),
        lambda: signed(headers={"kid": "unknown"}),
        lambda: signed(drop=["jti"]),
        lambda: signed(drop=["client_id"]),
        lambda: signed(drop=["exp"]),
        lambda: signed({"scope": ["orders:read"]}),
        lambda: signed({"sub": 42}),
        lambda: signed()[:-4] + "AAAA",
        lambda: signed(private=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        lambda: "eyJ" + "x" * 9000,
        lambda: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjIn0.",
    ],
)
def test_bad_tokens_are_rejected(client, make):
    assert_rejected(client.get("/api/whoami/", **bearer(make())))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_alg_none_and_hmac_keyed_with_the_public_key_are_refused(client):
    key = keys.current_key()
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "c", "aud": DEMO_AUDIENCE, "client_id": "c", "iat": now, "exp": now + 60,
              "jti": "j"}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt", "kid": key.kid})
    assert_rejected(client.get("/api/whoami/", **bearer(unsigned)))
    public_pem = keys.verification_keys()[key.kid].key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": key.kid}).encode())
    body = b64(json.dumps(claims).encode())
    signature = b64(hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    assert_rejected(client.get("/api/whoami/", **bearer(f"{head}.{body}.{signature}")))


def test_a_revoked_token_fails_on_the_next_request(client, service):
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    assert client.get("/api/whoami/", **bearer(token)).status_code == 200
    response = client.post("/oauth/revoke", {"token": token}, **basic(app.client_id, secret))
    assert response.status_code == 200
    assert_rejected(client.get("/api/whoami/", **bearer(token)))


def test_tokens_survive_a_signing_key_rotation(client, service):
    app, secret = service
    before = request_token(client, app, secret).json()["access_token"]
    SigningKey.objects.filter(state="next").update(created_at=timezone.now() - timedelta(hours=1))
    keys.rotate()  # a next key published an hour ago signs at once
    after = request_token(client, app, secret).json()["access_token"]
    assert jwt.get_unverified_header(before)["kid"] != jwt.get_unverified_header(after)["kid"]
    for token in (before, after):
        assert client.get("/api/whoami/", **bearer(token)).status_code == 200


def test_issuer_setting_is_used_for_issuing_and_checking(client, service, settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "ISSUER": "https://auth.example.com/"}
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == "https://auth.example.com"
    assert tokens.issuer() == "https://auth.example.com"
    assert client.get("/api/whoami/", **bearer(token)).status_code == 200


def test_non_jwt_bearer_tokens_are_left_to_other_classes(client, make_api_key):
    _, key = make_api_key()
    assert client.get("/api/whoami/", **bearer(key)).json()["kind"] == "api_key"

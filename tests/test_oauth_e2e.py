"""End to end over HTTP: a third-party OAuth client gets tokens, an independent
JOSE library verifies them against the published JWKS, and a separate
resource-server process accepts them from the issuer's JWKS alone."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from jwt.algorithms import RSAAlgorithm

from m2m_auth import issuing, rbac
from m2m_auth.oauth import clients

from .servers import free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def service():
    role = rbac.create_role("e2e-orders", "machine", ["orders:read"])
    return issuing.create_application("e2e-client", roles=[role.name])


def verify_with_joserfc(base_url: str, access_token: str) -> dict:
    metadata = httpx.get(f"{base_url}/.well-known/oauth-authorization-server").json()
    key_set = KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    token = jose_jwt.decode(access_token, key_set, algorithms=["RS256", "ES256", "EdDSA"])
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": "https://api.demo.local"},
        exp={"essential": True},
        jti={"essential": True},
    )
    registry.validate(token.claims)
    assert token.header["typ"] == "at+jwt"
    return token.claims


def test_authlib_client_secret_basic_and_joserfc_verification(live_server, service):
    app, secret = service
    metadata = httpx.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    session = OAuth2Session(app.client_id, secret, token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials", scope="orders:read")
    claims = verify_with_joserfc(live_server.url, token["access_token"])
    assert claims["client_id"] == app.client_id and claims["scope"] == "orders:read"
    whoami = httpx.get(f"{live_server.url}/api/whoami/", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert whoami.json()["kind"] == "oauth_client"


def test_authlib_private_key_jwt(live_server, service):
    app, _ = service
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clients.register_jwks(app, {"keys": [{**RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "e2e"}]})
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    token_url = f"{live_server.url}/oauth/token"
    session = OAuth2Session(app.client_id, pem, token_endpoint_auth_method=PrivateKeyJWT(token_url, headers={"kid": "e2e"}))
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert verify_with_joserfc(live_server.url, token["access_token"])["client_id"] == app.client_id


@pytest.fixture
def remote_resource_server(live_server, tmp_path):
    """The demo site as a remote resource server: its own empty database, the issuer's JWKS only."""
    port = free_port()
    env = {**os.environ, "M2M_AUTH_REMOTE_ISSUER": live_server.url, "DATABASE_URL": f"sqlite:///{tmp_path}/remote.db",
           "DJANGO_SETTINGS_MODULE": "demo_project.settings", "REDIS_URL": ""}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/api/whoami/")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_separate_resource_server_verifies_from_the_jwks_alone(live_server, service, remote_resource_server):
    app, secret = service
    token = httpx.post(f"{live_server.url}/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(app.client_id, secret)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(f"{remote_resource_server}/api/whoami/", headers=headers)
    assert response.status_code == 200
    assert response.json()["client_id"] == app.client_id
    assert httpx.get(f"{remote_resource_server}/api/orders/", headers=headers).json() == []
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert httpx.get(f"{remote_resource_server}/api/whoami/", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_client_helper_against_the_live_server(live_server, service):
    from m2m_auth.client import ClientCredentialsAuth

    app, secret = service
    auth = ClientCredentialsAuth(f"{live_server.url}/oauth/token", app.client_id, secret, scope="orders:read")
    response = httpx.get(f"{live_server.url}/api/orders/", auth=auth)
    assert response.status_code == 200


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite"),
    reason="SQLite's in-memory test database refuses a write while another thread reads; runs on PostgreSQL",
)
def test_rotations_while_requests_flow_fail_no_valid_request(live_server, service, settings):
    """Signing key and client secret rotate under traffic; every request must succeed."""
    import threading

    from m2m_auth.client import ClientCredentialsAuth
    from m2m_auth.oauth import clients as client_flows
    from m2m_auth.oauth import keys

    settings.M2M_AUTH = {**settings.M2M_AUTH, "JWKS_MAX_AGE": 0}  # keys sign a second after publication
    app, secret = service
    auth = ClientCredentialsAuth(f"{live_server.url}/oauth/token", app.client_id, secret)
    failures, calls, stop = [], [], threading.Event()

    def traffic():
        with httpx.Client(base_url=live_server.url, timeout=10) as http:
            while not stop.is_set():
                auth.invalidate()  # a fresh token each time: exercises the token endpoint too
                response = http.get("/api/whoami/", auth=auth)
                calls.append(response.status_code)
                if response.status_code != 200:
                    failures.append(response.status_code)

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        for _ in range(3):
            time.sleep(0.6)
            keys.rotate()
        _, new_secret = client_flows.rotate_client_secret(app)
        time.sleep(1.2)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert len(calls) >= 5 and failures == []
    fresh = ClientCredentialsAuth(f"{live_server.url}/oauth/token", app.client_id, new_secret)
    assert httpx.get(f"{live_server.url}/api/whoami/", auth=fresh).status_code == 200

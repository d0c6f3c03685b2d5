"""POST /oauth/token: client credentials to RFC 9068 JWT access tokens."""

import pytest

from m2m_auth import issuing, rbac

from .oauth_helpers import DEMO_AUDIENCE, ISSUER, TOKEN_URL, basic, bearer, request_token, unverified

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read", "orders:write"], kind="machine")
    return issuing.create_application("billing", roles=[role.name])


def error_of(response):
    return response.status_code, response.json()["error"]


def test_client_credentials_issue_an_at_jwt(client, service, clock):
    app, secret = service
    response = request_token(client, app, secret)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 900, "orders:read orders:write")
    header, claims = unverified(body["access_token"])
    assert header["typ"] == "at+jwt" and header["kid"] and header["alg"] == "RS256"
    assert claims["iss"] == ISSUER and claims["aud"] == DEMO_AUDIENCE
    assert claims["sub"] == claims["client_id"] == app.client_id
    assert claims["exp"] - claims["iat"] == 900 and claims["jti"]


def test_the_token_works_at_the_demo_api(client, service):
    app, secret = service
    token = request_token(client, app, secret, scope="orders:read").json()["access_token"]
    body = client.get("/api/whoami/", **bearer(token)).json()
    assert body["kind"] == "oauth_client" and body["client_id"] == app.client_id
    assert body["scopes"] == ["orders:read"] and body["username"] is None
    assert client.get("/api/orders/", **bearer(token)).status_code == 200
    assert client.post("/api/orders/", {"item": "x", "quantity": 1}, content_type="application/json",
                       **bearer(token)).status_code == 403


def test_resource_parameter_and_token_lifetime(client, service):
    app, secret = service
    rbac.create_resource("https://inventory", "Inventory", ["stock:read"], token_ttl=120)
    role = rbac.create_role("stock-reader", "machine", ["stock:read"])
    app.roles.add(role)
    response = request_token(client, app, secret, resource="https://inventory")
    body = response.json()
    assert body["expires_in"] == 120 and body["scope"] == "stock:read"
    assert unverified(body["access_token"])[1]["aud"] == "https://inventory"
    ambiguous = request_token(client, app, secret)
    assert error_of(ambiguous) == (400, "invalid_target")
    by_scope = request_token(client, app, secret, scope="stock:read")
    assert unverified(by_scope.json()["access_token"])[1]["aud"] == "https://inventory"


@pytest.mark.parametrize(
    "form, expected",
    [
        ({"scope": "orders:admin"}, (400, "invalid_scope")),
        ({"scope": "orders:read stock:none"}, (400, "invalid_scope")),
        ({"resource": "https://unknown.example"}, (400, "invalid_target")),
        ({"resource": ["https://api.demo.local", "https://other"]}, (400, "invalid_target")),
        ({"grant_type": "password"}, (400, "unsupported_grant_type")),
        ({"grant_type": ""}, (400, "invalid_request")),
        ({"scope": ["orders:read", "orders:write"]}, (400, "invalid_request")),
    ],
)
def test_bad_requests(client, service, form, expected):
    app, secret = service
    assert error_of(request_token(client, app, secret, **form)) == expected


def test_missing_grant_type(client, service):
    app, secret = service
    response = client.post(TOKEN_URL, {}, **basic(app.client_id, secret))
    assert error_of(response) == (400, "invalid_request")


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}, {"HTTP_AUTHORIZATION": "Bearer x"}])
def test_invalid_client_is_401_with_a_basic_challenge(client, service, headers):
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **headers)
    assert error_of(response) == (401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response["Cache-Control"] == "no-store"


def test_client_without_roles_is_unauthorized(client):
    app, secret = issuing.create_application("no-roles")
    assert error_of(request_token(client, app, secret)) == (400, "unauthorized_client")


def test_client_secret_post_works(client, service):
    app, secret = service
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials", "client_id": app.client_id,
                                       "client_secret": secret})
    assert response.status_code == 200


def test_get_is_a_json_405(client):
    response = client.get(TOKEN_URL)
    assert response.status_code == 405 and response.json()["error"] == "invalid_request"


def test_failed_authentication_is_limited_per_client(client, service):
    app, secret = service
    for _ in range(10):
        assert request_token(client, app, "m2m_cs_wrong").status_code == 401
    limited = request_token(client, app, secret)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited.json()["error"] == "temporarily_unavailable"


def test_a_third_party_cannot_lock_out_a_client(client, service):
    app, secret = service
    for _ in range(15):
        client.post(TOKEN_URL, {"grant_type": "client_credentials"}, REMOTE_ADDR="203.0.113.66",
                    **basic(app.client_id, "m2m_cs_wrong"))
    assert request_token(client, app, secret).status_code == 200


def test_failed_authentication_is_limited_per_address(client, service, settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "CLIENT_AUTH_FAILURES_PER_ADDRESS": 3}
    app, secret = service
    for number in range(3):
        client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **basic(f"guess-{number}", "x"))
    assert request_token(client, app, secret).status_code == 429
    elsewhere = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, REMOTE_ADDR="10.9.9.9",
                            **basic(app.client_id, secret))
    assert elsewhere.status_code == 200


def test_a_disabled_application_gets_no_token(client, service):
    from m2m_auth import revoking

    app, secret = service
    revoking.disable_application(app)
    assert error_of(request_token(client, app, secret)) == (401, "invalid_client")

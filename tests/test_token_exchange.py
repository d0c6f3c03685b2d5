"""RFC 8693: a PAT exchanged for a JWT that acts as its user."""

import pytest

from m2m_auth import issuing, revoking
from m2m_auth.oauth.exchange import PAT_TOKEN_TYPE

from .oauth_helpers import TOKEN_URL, basic, bearer, unverified

pytestmark = pytest.mark.django_db
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def cli_app():
    return issuing.create_application("cli-tool")


def exchange(client, app_and_secret, subject_token, **form):
    app, secret = app_and_secret
    data = {"grant_type": EXCHANGE, "subject_token": subject_token, "subject_token_type": PAT_TOKEN_TYPE, **form}
    return client.post(TOKEN_URL, data, **basic(app.client_id, secret))


def test_exchanged_token_acts_as_the_user(client, cli_app, make_pat):
    pat_obj, pat = make_pat(scopes=["orders:read"])
    response = exchange(client, cli_app, pat)
    assert response.status_code == 200
    body = response.json()
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    _, claims = unverified(body["access_token"])
    assert claims["sub"] == str(pat_obj.user.pk) and claims["client_id"] == cli_app[0].client_id
    assert claims["act"] == {"sub": cli_app[0].client_id} and claims["scope"] == "orders:read"
    whoami = client.get("/api/whoami/", **bearer(body["access_token"])).json()
    assert (whoami["kind"], whoami["username"], whoami["scopes"]) == ("oauth_client", pat_obj.user.username,
                                                                      ["orders:read"])


def test_scopes_are_at_most_the_pats(client, cli_app, make_user):
    user = make_user(scopes=["orders:read", "orders:write"])
    _, pat = issuing.create_personal_access_token(user, "t", scopes=["orders:read"])
    assert exchange(client, cli_app, pat, scope="orders:write").json()["error"] == "invalid_scope"
    narrowed = exchange(client, cli_app, pat, scope="orders:read")
    assert narrowed.status_code == 200


@pytest.mark.parametrize(
    "form, expected",
    [
        ({"subject_token": ""}, "invalid_request"),
        ({"subject_token_type": "urn:ietf:params:oauth:token-type:jwt"}, "invalid_request"),
        ({"subject_token": "m2m_pat_not_a_real_token"}, "invalid_request"),
    ],
)
def test_bad_exchange_requests(client, cli_app, make_pat, form, expected):
    _, pat = make_pat()
    app, secret = cli_app
    data = {"grant_type": EXCHANGE, "subject_token": pat, "subject_token_type": PAT_TOKEN_TYPE, **form}
    response = client.post(TOKEN_URL, data, **basic(app.client_id, secret))
    assert (response.status_code, response.json()["error"]) == (400, expected)


def test_revoked_pat_or_inactive_user_cannot_be_exchanged(client, cli_app, make_pat):
    pat_obj, pat = make_pat()
    revoking.revoke(pat_obj)
    assert exchange(client, cli_app, pat).json()["error"] == "invalid_request"
    other_obj, other = make_pat()
    other_obj.user.is_active = False
    other_obj.user.save()
    assert exchange(client, cli_app, other).json()["error"] == "invalid_request"


def test_exchange_needs_client_authentication(client, make_pat):
    _, pat = make_pat()
    data = {"grant_type": EXCHANGE, "subject_token": pat, "subject_token_type": PAT_TOKEN_TYPE}
    assert client.post(TOKEN_URL, data).status_code == 401


def test_metadata_advertises_the_grant_and_token_type(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert EXCHANGE in metadata["grant_types_supported"]
    assert PAT_TOKEN_TYPE in metadata["subject_token_types_supported"]


def test_one_resource_per_exchanged_token(client, cli_app, make_pat):
    _, pat = make_pat(scopes=["orders:read"])
    response = exchange(client, cli_app, pat, resource=["https://api.demo.local", "https://other.example"])
    assert (response.status_code, response.json()["error"]) == (400, "invalid_target")
    assert response.json()["error_description"] == "Request one resource per token."

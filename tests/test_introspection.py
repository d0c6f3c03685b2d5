"""POST /oauth/introspect and /oauth/revoke, for every credential kind."""

import pytest

from m2m_auth import issuing
from m2m_auth.models import ApiKey, ClientSecret, PersonalAccessToken, RevokedToken

from .oauth_helpers import basic, bearer, request_token

pytestmark = pytest.mark.django_db
INTROSPECT, REVOKE = "/oauth/introspect", "/oauth/revoke"


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read"], kind="machine")
    return issuing.create_application("svc", roles=[role.name])


@pytest.fixture
def gateway(make_role):
    role = make_role(["m2m:introspect"], kind="machine")
    return issuing.create_application("gateway", roles=[role.name])


def introspect(client, caller, token):
    app, secret = caller
    return client.post(INTROSPECT, {"token": token}, **basic(app.client_id, secret))


def test_a_client_introspects_its_own_jwt(client, service):
    token = request_token(client, *service).json()["access_token"]
    body = introspect(client, service, token).json()
    assert body["active"] is True and body["client_id"] == service[0].client_id
    assert body["scope"] == "orders:read" and body["aud"] == "https://api.demo.local"
    assert introspect(client, service, token)["Cache-Control"] == "no-store"


def test_other_clients_jwts_need_the_introspect_scope(client, service, gateway, make_role):
    token = request_token(client, *service).json()["access_token"]
    nosy = issuing.create_application("nosy", roles=[make_role(["orders:read"], kind="machine").name])
    assert introspect(client, nosy, token).json() == {"active": False}
    assert introspect(client, gateway, token).json()["active"] is True


def test_keys_and_pats_need_the_introspect_scope(client, service, gateway, make_api_key, make_pat):
    key_obj, key = make_api_key(scopes=["orders:read"])
    pat_obj, pat = make_pat(scopes=["orders:read"])
    assert introspect(client, service, key).json() == {"active": False}
    body = introspect(client, gateway, key).json()
    assert (body["active"], body["token_type"], body["credential_id"]) == (True, "api_key", key_obj.public_id)
    body = introspect(client, gateway, pat).json()
    assert (body["username"], body["scope"], "exp" in body) == (pat_obj.user.username, "orders:read", True)


@pytest.mark.parametrize("token", ["garbage", "m2m_ak_broken", "eyJ.x.y", "a" * 10_000])
def test_unknown_tokens_are_inactive(client, gateway, token):
    assert introspect(client, gateway, token).json() == {"active": False}


def test_client_secrets_are_never_introspected(client, gateway):
    _, secret = issuing.create_application("secretive")
    assert introspect(client, gateway, secret).json() == {"active": False}


def test_introspection_needs_client_authentication(client, service):
    token = request_token(client, *service).json()["access_token"]
    response = client.post(INTROSPECT, {"token": token})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert client.post(INTROSPECT, {"token": token}, **basic(service[0].client_id, "wrong")).status_code == 401


def test_missing_token_is_invalid_request(client, service):
    response = client.post(INTROSPECT, {}, **basic(service[0].client_id, service[1]))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_anyone_presenting_an_api_key_or_pat_revokes_it(client, make_api_key, make_pat):
    key_obj, key = make_api_key()
    pat_obj, pat = make_pat()
    for token in (key, pat):
        response = client.post(REVOKE, {"token": token})
        assert response.status_code == 200
        assert client.get("/api/whoami/", **bearer(token)).status_code == 401
    assert ApiKey.objects.get(pk=key_obj.pk).revoked_by == "presented"
    assert PersonalAccessToken.objects.get(pk=pat_obj.pk).is_revoked


def test_a_leaked_client_secret_can_be_revoked_by_presenting_it(client, service):
    app, secret = service
    assert client.post(REVOKE, {"token": secret}).status_code == 200
    assert ClientSecret.objects.get(application=app).is_revoked
    assert request_token(client, app, secret).status_code == 401


def test_revoking_a_wrong_secret_is_a_quiet_200(client, make_api_key):
    obj, key = make_api_key()
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert client.post(REVOKE, {"token": wrong}).status_code == 200
    assert not ApiKey.objects.get(pk=obj.pk).is_revoked


def test_revoking_garbage_needs_a_client_and_is_then_a_quiet_200(client, service):
    """Anything not in a secret format can only be a JWT, whose revocation needs client authentication."""
    assert client.post(REVOKE, {"token": "garbage-not-ours"}).status_code == 401
    authenticated = client.post(REVOKE, {"token": "garbage-not-ours"}, **basic(service[0].client_id, service[1]))
    assert authenticated.status_code == 200


def test_a_jwt_is_revoked_only_by_its_own_client(client, service, make_role):
    token = request_token(client, *service).json()["access_token"]
    assert client.post(REVOKE, {"token": token}).status_code == 401
    other = issuing.create_application("other", roles=[make_role(["orders:read"], kind="machine").name])
    refused = client.post(REVOKE, {"token": token}, **basic(other[0].client_id, other[1]))
    assert (refused.status_code, refused.json()["error"]) == (400, "unauthorized_client")
    assert client.get("/api/whoami/", **bearer(token)).status_code == 200
    assert client.post(REVOKE, {"token": token}, **basic(service[0].client_id, service[1])).status_code == 200
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401
    assert RevokedToken.objects.count() == 1
    assert introspect(client, service, token).json() == {"active": False}


def test_revocation_survives_a_cache_flush_for_introspection(client, service):
    from django.core.cache import cache

    token = request_token(client, *service).json()["access_token"]
    client.post(REVOKE, {"token": token}, **basic(service[0].client_id, service[1]))
    cache.clear()
    assert introspect(client, service, token).json() == {"active": False}


def test_get_is_a_json_405(client):
    for url in (INTROSPECT, REVOKE):
        response = client.get(url)
        assert response.status_code == 405 and response.json()["error"] == "invalid_request"

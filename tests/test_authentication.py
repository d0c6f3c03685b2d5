"""API key and PAT authentication, bad input first, through the demo API."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from m2m_auth import issuing, rbac, revoking
from m2m_auth.models import AuditEvent

WHOAMI = "/api/whoami/"
INVALID = {"detail": "Invalid credentials."}

pytestmark = pytest.mark.django_db


def get(client, path=WHOAMI, **headers):
    return client.get(path, **headers)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_rejected(response):
    assert response.status_code == 401
    assert response.json() == INVALID
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": ""},
        {"HTTP_X_API_KEY": "not-a-key"},
        {"HTTP_X_API_KEY": "m2m_ak_"},
        {"HTTP_X_API_KEY": "m2m_ak_\x00\x00"},
        {"HTTP_X_API_KEY": "m2m_ak_" + "\xff\xfe" * 30},
        {"HTTP_X_API_KEY": "m2m_ak_" + "A" * 100_000},
        {"HTTP_AUTHORIZATION": "Bearer m2m_ak_" + "A" * 51},
        {"HTTP_AUTHORIZATION": "Bearer m2m_pat_short"},
        {"HTTP_AUTHORIZATION": "Bearer m2m_pat_ with spaces"},
    ],
)
def test_malformed_credentials_are_rejected_without_a_query(api_client, headers):
    with CaptureQueriesContext(connection) as queries:
        response = get(api_client, **headers)
    assert_rejected(response)
    assert len(queries) == 0


def test_wrong_checksum_is_rejected_without_a_query(api_client, make_api_key):
    _, key = make_api_key()
    with CaptureQueriesContext(connection) as queries:
        response = get(api_client, HTTP_X_API_KEY=key[:-1] + ("0" if key[-1] != "0" else "1"))
    assert_rejected(response)
    assert len(queries) == 0


def _forge(token: str, public_id: str | None = None, random_part: str | None = None) -> str:
    """A well-formed token (valid checksum) with another public id or secret."""
    from m2m_auth import crypto

    prefix, rest = token[: token.index("_", 4) + 1], token[token.index("_", 4) + 1 :]
    old_id, body = rest.split("_")
    head = f"{prefix}{public_id or old_id}_{random_part or body[:-crypto.CHECKSUM_LENGTH]}"
    return head + crypto.checksum(head)


def test_unknown_id_and_wrong_secret_get_the_same_answer(api_client, make_api_key):
    _, key = make_api_key()
    unknown = _forge(key, public_id="Z" * 12)
    wrong = _forge(key, random_part="a" * 32)
    for forged in (unknown, wrong):
        assert_rejected(get(api_client, HTTP_X_API_KEY=forged))
        assert_rejected(get(api_client, **bearer(forged)))


def test_expired_key_is_rejected(api_client, make_api_key, clock):
    _, key = make_api_key(expires_in=timedelta(hours=1))
    assert get(api_client, HTTP_X_API_KEY=key).status_code == 200
    clock.advance(3601)
    assert_rejected(get(api_client, HTTP_X_API_KEY=key))


def test_revoked_key_fails_on_the_next_request(api_client, make_api_key):
    obj, key = make_api_key()
    assert get(api_client, HTTP_X_API_KEY=key).status_code == 200
    revoking.revoke(obj, actor="test")
    assert_rejected(get(api_client, HTTP_X_API_KEY=key))


def test_key_of_a_disabled_application_is_rejected(api_client):
    app, _ = issuing.create_application("owner-app")
    _, key = issuing.create_api_key("owned", scopes=["orders:read"], application=app)
    response = get(api_client, HTTP_X_API_KEY=key)
    assert response.json()["client_id"] == app.client_id
    revoking.disable_application(app)
    assert_rejected(get(api_client, HTTP_X_API_KEY=key))


def test_rejections_are_audited_once_per_interval(api_client, make_api_key):
    obj, key = make_api_key()
    wrong = _forge(key, random_part="b" * 32)
    for _ in range(3):
        get(api_client, HTTP_X_API_KEY=wrong)
    events = AuditEvent.objects.filter(action="auth_failed", target_id=obj.public_id)
    assert events.count() == 1
    assert events.get().detail == {"reason": "wrong secret"}
    assert key not in str(events.get().detail)


def test_no_credential_gets_401_with_a_challenge(api_client):
    response = get(api_client)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_api_key_in_either_header(api_client, make_api_key):
    obj, key = make_api_key(scopes=["orders:read", "orders:write"])
    for headers in ({"HTTP_X_API_KEY": key}, bearer(key), {"HTTP_X_API_KEY": f"  {key} "}):
        body = get(api_client, **headers).json()
        assert body == {
            "kind": "api_key",
            "scopes": ["orders:read", "orders:write"],
            "username": None,
            "client_id": None,
            "credential_id": obj.public_id,
        }


@override_settings(M2M_AUTH={"API_KEY_HEADER": "X-Service-Token", "PEPPER": "test-pepper-0123456789-0123456789-0123456789"})
def test_api_key_header_name_is_configurable(api_client, make_api_key):
    _, key = make_api_key()
    assert get(api_client, HTTP_X_SERVICE_TOKEN=key).status_code == 200
    assert get(api_client, HTTP_X_API_KEY=key).status_code == 401


def test_pat_in_the_api_key_header_is_rejected(api_client, make_pat):
    _, token = make_pat()
    assert_rejected(get(api_client, HTTP_X_API_KEY=token))


def test_key_scopes_include_its_roles_scopes(api_client, make_api_key, make_role):
    role = make_role(["orders:write"], kind="machine")
    _, key = make_api_key(scopes=["orders:read"], roles=[role.name])
    assert get(api_client, HTTP_X_API_KEY=key).json()["scopes"] == ["orders:read", "orders:write"]
    role.permissions.clear()
    assert get(api_client, HTTP_X_API_KEY=key).json()["scopes"] == ["orders:read"]


def test_pat_acts_as_its_user(api_client, make_pat):
    obj, token = make_pat()
    body = get(api_client, **bearer(token)).json()
    assert body["kind"] == "personal_access_token"
    assert body["username"] == obj.user.username
    assert body["credential_id"] == obj.public_id
    assert body["scopes"] == ["orders:read"]


def test_pat_fails_at_once_when_its_user_is_deactivated(api_client, make_pat):
    obj, token = make_pat()
    obj.user.is_active = False
    obj.user.save()
    assert_rejected(get(api_client, **bearer(token)))


def test_pat_fails_at_once_when_its_user_is_deleted(api_client, make_pat):
    obj, token = make_pat()
    obj.user.delete()
    assert_rejected(get(api_client, **bearer(token)))


def test_pat_revoked_fails_on_the_next_request(api_client, make_pat):
    obj, token = make_pat()
    assert get(api_client, **bearer(token)).status_code == 200
    revoking.revoke(obj)
    assert_rejected(get(api_client, **bearer(token)))


def test_pat_scopes_shrink_when_a_scope_leaves_the_users_role(api_client, make_user):
    user = make_user(scopes=["orders:read", "orders:write"])
    _, token = issuing.create_personal_access_token(user, "t", scopes=["orders:read", "orders:write"])
    role = user.m2m_role_assignments.get().role
    role.permissions.remove(role.permissions.get(scope="orders:write"))
    assert get(api_client, **bearer(token)).json()["scopes"] == ["orders:read"]
    assert api_client.post("/api/orders/", {"item": "x", "quantity": 1}, format="json", **bearer(token)).status_code == 403


def test_pat_scopes_vanish_when_the_role_is_taken_away(api_client, make_user):
    user = make_user(scopes=["orders:read"])
    _, token = issuing.create_personal_access_token(user, "t", scopes=["orders:read"])
    rbac.ungrant_role(user.username, user.m2m_role_assignments.get().role.name)
    assert get(api_client, **bearer(token)).json()["scopes"] == []
    assert get(api_client, "/api/orders/", **bearer(token)).status_code == 403


def test_machine_role_given_to_a_user_grants_nothing(api_client, make_user, make_role):
    user = make_user(scopes=["orders:read"])
    _, token = issuing.create_personal_access_token(user, "t", scopes=["orders:read"])
    role = user.m2m_role_assignments.get().role
    role.kind = "machine"
    role.save()
    assert get(api_client, **bearer(token)).json()["scopes"] == []


def test_unclaimed_bearer_token_is_not_authenticated(api_client):
    response = get(api_client, HTTP_AUTHORIZATION="Bearer some-other-scheme-token")
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


def test_a_jwt_shaped_bearer_token_is_claimed_and_rejected(api_client):
    assert_rejected(get(api_client, HTTP_AUTHORIZATION="Bearer eyJhbGciOi.something.else"))


def test_one_query_per_request_once_last_used_is_fresh(api_client, make_api_key, make_pat, settings):
    # a process-local cache: nothing is remembered (tests/test_remembered.py has the shared cache's zero)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _, key = make_api_key()
    _, token = make_pat()
    for headers in ({"HTTP_X_API_KEY": key}, bearer(token)):
        get(api_client, **headers)
        with CaptureQueriesContext(connection) as queries:
            assert get(api_client, **headers).status_code == 200
        assert len(queries) == 1


@override_settings(SECRET_KEY="new-secret-key-0123456789-0123456789-0123", SECRET_KEY_FALLBACKS=["test-secret"], M2M_AUTH={})
def test_rotating_secret_key_keeps_keys_working_through_fallbacks(api_client):
    with override_settings(SECRET_KEY="test-secret"):
        _, key = issuing.create_api_key("derived-pepper", scopes=["orders:read"])
    assert get(api_client, HTTP_X_API_KEY=key).status_code == 200
    with override_settings(SECRET_KEY_FALLBACKS=[]):
        assert_rejected(get(api_client, HTTP_X_API_KEY=key))

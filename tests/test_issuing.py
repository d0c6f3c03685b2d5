"""Creating credentials: validated before anything is written, plaintext once."""

from datetime import timedelta

import pytest
from django.test.utils import override_settings

from m2m_auth import issuing
from m2m_auth.exceptions import Conflict, InvalidInput, NotFound, NotPermitted
from m2m_auth.models import ApiKey, AuditEvent, ClientSecret, PersonalAccessToken

pytestmark = pytest.mark.django_db


def test_api_key_is_stored_only_as_a_tagged_hash(make_api_key):
    obj, key = make_api_key()
    stored = ApiKey.objects.get(pk=obj.pk)
    assert key.startswith(f"m2m_ak_{obj.public_id}_")
    assert stored.secret_hash.startswith("hmac-sha256$") and key not in stored.secret_hash
    assert key not in str(obj) and key not in repr(obj)


def test_creation_is_audited_without_the_secret(make_api_key):
    obj, key = make_api_key()
    event = AuditEvent.objects.get(action="create", target_id=obj.public_id)
    assert event.target_kind == "api_key"
    assert key not in str(event.detail)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"scopes": ["nope:read"]}, NotFound),
        ({"scopes": ["bad scope"]}, NotFound),
        ({"roles": ["no-such-role"]}, NotFound),
        ({"name": "   "}, InvalidInput),
        ({"name": "x" * 101}, InvalidInput),
        ({"expires_in": timedelta(seconds=-1)}, InvalidInput),
    ],
)
def test_bad_api_key_input_changes_nothing(kwargs, error):
    before = ApiKey.objects.count(), AuditEvent.objects.count()
    with pytest.raises(error):
        issuing.create_api_key(kwargs.pop("name", "k"), **kwargs)
    assert (ApiKey.objects.count(), AuditEvent.objects.count()) == before


def test_duplicate_live_key_name_conflicts_but_a_revoked_name_is_free(make_api_key):
    obj, _ = make_api_key(name="dup")
    with pytest.raises(Conflict):
        issuing.create_api_key("dup")
    from m2m_auth import revoking

    revoking.revoke(obj)
    assert issuing.create_api_key("dup")[0].name == "dup"


def test_user_role_cannot_be_given_to_a_key(make_role):
    role = make_role(kind="user")
    with pytest.raises(NotPermitted):
        issuing.create_api_key("k", roles=[role.name])


def test_pat_scopes_must_be_held_by_the_user(make_user):
    user = make_user(scopes=["orders:read"])
    with pytest.raises(NotPermitted, match="orders:write"):
        issuing.create_personal_access_token(user, "t", scopes=["orders:write"])
    assert not PersonalAccessToken.objects.filter(user=user).exists()


def test_pat_for_inactive_user_is_refused(make_user):
    user = make_user(scopes=["orders:read"], is_active=False)
    with pytest.raises(NotPermitted):
        issuing.create_personal_access_token(user, "t", scopes=["orders:read"])


def test_pat_lifetime_has_a_default_and_a_maximum(make_user, clock):
    user = make_user(scopes=["orders:read"])
    token, _ = issuing.create_personal_access_token(user, "t")
    assert token.expires_at == clock.now + timedelta(days=30)
    with pytest.raises(NotPermitted):
        issuing.create_personal_access_token(user, "long", expires_in=timedelta(days=367))


@override_settings(M2M_AUTH={"API_KEY_DEFAULT_LIFETIME": 3600, "PEPPER": "test-pepper-0123456789-0123456789-0123456789"})
def test_api_key_default_lifetime_setting(clock):
    key, _ = issuing.create_api_key("k")
    assert key.expires_at == clock.now + timedelta(hours=1)


def test_duplicate_pat_name_per_user(make_user):
    user = make_user(scopes=["orders:read"])
    issuing.create_personal_access_token(user, "t")
    with pytest.raises(Conflict):
        issuing.create_personal_access_token(user, "t")


def test_application_gets_a_client_id_and_a_first_secret():
    app, secret = issuing.create_application("svc")
    stored = ClientSecret.objects.get(application=app)
    assert secret.startswith(f"m2m_cs_{stored.public_id}_")
    assert len(app.client_id) == 24 and secret not in stored.secret_hash
    with pytest.raises(Conflict):
        issuing.create_application("svc")

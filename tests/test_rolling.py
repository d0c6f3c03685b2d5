"""Rolling an API key: a new key at once, the old one valid through the overlap window."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test.utils import override_settings

from m2m_auth import issuing, revoking
from m2m_auth.exceptions import InvalidInput, NotPermitted
from m2m_auth.models import ApiKey, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolled(clock, make_role, make_api_key):
    role = make_role(kind="machine", scopes=["orders:write"])
    app, _ = issuing.create_application("owner-app")
    old, old_plaintext = make_api_key(scopes=["orders:read"], roles=[role.name], application=app,
                                      expires_in=timedelta(days=90))
    new, new_plaintext = issuing.roll_api_key(old, overlap=timedelta(hours=2), actor="cli")
    return old, old_plaintext, new, new_plaintext


def test_the_new_key_has_the_old_ones_name_scopes_roles_and_owner(rolled):
    old, _, new, _ = rolled
    assert (new.name, new.application, new.rolled_from) == (old.name, old.application, old)
    assert set(new.scopes.all()) == set(old.scopes.all()) and set(new.roles.all()) == set(old.roles.all())
    assert new.public_id != old.public_id and new.created_by == "cli"


def test_the_old_key_works_through_the_overlap_then_stops(rolled, clock, api_client):
    old, old_plaintext, new, new_plaintext = rolled
    assert old.expires_at == clock.now + timedelta(hours=2) and old.rolled_at == clock.now
    # created_at's default is the real clock, so the kept lifetime is exact only to the second.
    assert abs(new.expires_at - (clock.now + timedelta(days=90))) < timedelta(seconds=1)
    for plaintext in (old_plaintext, new_plaintext):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=plaintext).status_code == 200
    clock.advance(2 * 3600 + 1)
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=old_plaintext).status_code == 401
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=new_plaintext).status_code == 200


def test_rolling_is_audited_without_secrets(rolled):
    old, old_plaintext, new, new_plaintext = rolled
    event = AuditEvent.objects.get(action="rotate", target_id=old.public_id)
    assert event.detail["new_key"] == new.public_id
    assert AuditEvent.objects.get(action="create", target_id=new.public_id).detail["rolled_from"] == old.public_id
    text = str(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert old_plaintext not in text and new_plaintext not in text


def test_a_rolled_revoked_or_negative_overlap_roll_is_refused_and_changes_nothing(rolled, make_api_key):
    old, _, new, _ = rolled
    revoked, _ = make_api_key()
    revoking.revoke(revoked)
    for key, overlap, error in [(old, None, NotPermitted), (revoked, None, NotPermitted),
                                (new, timedelta(seconds=-1), InvalidInput)]:
        before = ApiKey.objects.count(), ApiKey.objects.get(pk=key.pk).expires_at
        with pytest.raises(error):
            issuing.roll_api_key(key, overlap=overlap)
        assert (ApiKey.objects.count(), ApiKey.objects.get(pk=key.pk).expires_at) == before


def test_the_overlap_never_extends_the_old_key(clock, make_api_key):
    old, _ = make_api_key(expires_in=timedelta(hours=1))
    issuing.roll_api_key(old, overlap=timedelta(days=3))
    assert ApiKey.objects.get(pk=old.pk).expires_at == clock.now + timedelta(hours=1)


@override_settings(M2M_AUTH={**settings.M2M_AUTH, "API_KEY_ROLL_OVERLAP": 600})
def test_the_overlap_defaults_to_the_setting_and_a_keyless_expiry_stays_open(clock, make_api_key):
    old, _ = make_api_key()
    new, _ = issuing.roll_api_key(old)
    assert ApiKey.objects.get(pk=old.pk).expires_at == clock.now + timedelta(seconds=600)
    assert new.expires_at is None


def test_the_name_stands_for_the_new_key(rolled, make_api_key):
    old, _, new, _ = rolled
    assert list(ApiKey.objects.current().filter(name=old.name)) == [new]
    with pytest.raises(Exception, match="already exists"):
        make_api_key(name=old.name)

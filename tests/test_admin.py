"""The admin never shows a secret, freezes revoked rows and guards its actions."""

import pytest
from django.contrib.auth.models import Permission as DjangoPermission
from django.urls import reverse

from m2m_auth import issuing, revoking
from m2m_auth.models import ApiKey, Application, AuditEvent

pytestmark = pytest.mark.django_db

MODELS = ["apikey", "personalaccesstoken", "clientsecret", "application", "apiresource", "permission", "role",
          "roleassignment", "auditevent", "revokedtoken"]


def changelist(model):
    return reverse(f"admin:m2m_auth_{model}_changelist")


@pytest.fixture
def staff_viewer(django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.set(DjangoPermission.objects.filter(codename__startswith="view_"))
    return user


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_answers(admin_client, model, make_api_key, make_pat):
    make_api_key()
    make_pat()
    issuing.create_application("listed-app")
    assert admin_client.get(changelist(model)).status_code == 200


def test_secrets_never_appear_but_the_masked_value_does(admin_client, make_api_key):
    obj, key = make_api_key()
    pages = [
        admin_client.get(changelist("apikey")),
        admin_client.get(reverse("admin:m2m_auth_apikey_change", args=[obj.pk])),
        admin_client.get(changelist("auditevent")),
    ]
    for page in pages:
        html = page.content.decode()
        assert key not in html and obj.secret_hash not in html
    assert f"m2m_ak_{obj.public_id}_…" in pages[0].content.decode()


def test_searching_a_pasted_secret_finds_its_row_by_public_id(admin_client, make_api_key):
    obj, key = make_api_key()
    make_api_key()
    response = admin_client.get(changelist("apikey"), {"q": key})
    assert list(response.context["cl"].queryset) == [obj]


def test_revoke_action_revokes_and_the_key_stops_working(admin_client, api_client, make_api_key):
    obj, key = make_api_key()
    response = admin_client.post(changelist("apikey"), {"action": "revoke_selected", "_selected_action": [obj.pk]})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.is_revoked and obj.revoked_by == "admin:admin"
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401
    assert AuditEvent.objects.filter(action="revoke", target_id=obj.public_id, actor="admin:admin").exists()


def test_view_only_staff_cannot_revoke(client, staff_viewer, make_api_key):
    obj, _ = make_api_key()
    client.force_login(staff_viewer)
    client.post(changelist("apikey"), {"action": "revoke_selected", "_selected_action": [obj.pk]})
    obj.refresh_from_db()
    assert not obj.is_revoked


def test_revoked_rows_are_read_only(admin_client, make_api_key):
    obj, _ = make_api_key(name="frozen")
    revoking.revoke(obj)
    url = reverse("admin:m2m_auth_apikey_change", args=[obj.pk])
    admin_client.post(url, {"name": "renamed"})
    assert ApiKey.objects.get(pk=obj.pk).name == "frozen"
    assert b'name="name"' not in admin_client.get(url).content


def test_no_add_forms_for_secrets_and_a_read_only_audit_log(admin_client, make_api_key):
    make_api_key()
    event = AuditEvent.objects.first()
    for model in ("apikey", "personalaccesstoken", "clientsecret", "application", "auditevent"):
        assert admin_client.get(reverse(f"admin:m2m_auth_{model}_add")).status_code == 403
    assert admin_client.get(reverse("admin:m2m_auth_auditevent_delete", args=[event.pk])).status_code == 403


@pytest.mark.parametrize("status, expected", [("active", {"live"}), ("revoked", {"dead"}), ("expiring", {"soon"})])
def test_status_filter(admin_client, make_api_key, status, expected):
    from datetime import timedelta

    make_api_key(name="live")
    make_api_key(name="soon", expires_in=timedelta(days=2))
    revoking.revoke(make_api_key(name="dead")[0])
    response = admin_client.get(changelist("apikey"), {"status": status})
    names = {key.name for key in response.context["cl"].queryset}
    assert expected <= names and ("dead" in names) == (status == "revoked")


def test_disable_application_action(admin_client, api_client):
    app, _ = issuing.create_application("to-disable")
    _, key = issuing.create_api_key("app-key", scopes=["orders:read"], application=app)
    admin_client.post(changelist("application"), {"action": "disable_selected", "_selected_action": [app.pk]})
    assert not Application.objects.get(pk=app.pk).is_active
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401

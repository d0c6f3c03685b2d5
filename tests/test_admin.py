"""The admin never shows a secret, freezes revoked rows and guards its actions."""

import pytest
from django.contrib.auth.models import Permission as DjangoPermission
from django.urls import reverse

from m2m_auth import issuing, revoking
from m2m_auth.models import ApiKey, Application, AuditEvent

pytestmark = pytest.mark.django_db

MODELS = ["apikey", "personalaccesstoken", "clientsecret", "application", "apiresource", "permission", "role",
          "roleassignment", "auditevent", "revokedtoken", "signingkey"]


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


def test_revoke_action_asks_for_a_reason_then_revokes(admin_client, api_client, make_api_key):
    obj, key = make_api_key()
    selected = {"action": "revoke_selected", "_selected_action": [obj.pk]}
    confirm = admin_client.post(changelist("apikey"), selected)
    assert confirm.status_code == 200 and b'name="reason"' in confirm.content
    assert not ApiKey.objects.get(pk=obj.pk).is_revoked
    response = admin_client.post(changelist("apikey"), {**selected, "apply": "Revoke", "reason": "leaked in CI log"})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.is_revoked and obj.revoked_by == "admin:admin" and obj.revoke_reason == "leaked in CI log"
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401
    assert AuditEvent.objects.filter(action="revoke", target_id=obj.public_id, actor="admin:admin").exists()


def test_view_only_staff_cannot_revoke(client, staff_viewer, make_api_key):
    obj, _ = make_api_key()
    client.force_login(staff_viewer)
    client.post(changelist("apikey"), {"action": "revoke_selected", "_selected_action": [obj.pk], "apply": "1"})
    obj.refresh_from_db()
    assert not obj.is_revoked


def test_revoked_rows_are_read_only(admin_client, make_api_key):
    obj, _ = make_api_key(name="frozen")
    revoking.revoke(obj)
    url = reverse("admin:m2m_auth_apikey_change", args=[obj.pk])
    admin_client.post(url, {"name": "renamed"})
    assert ApiKey.objects.get(pk=obj.pk).name == "frozen"
    assert b'name="name"' not in admin_client.get(url).content


def test_client_secrets_come_only_from_rotation_and_the_audit_log_is_read_only(admin_client, make_api_key):
    make_api_key()
    event = AuditEvent.objects.first()
    for model in ("clientsecret", "auditevent", "signingkey"):
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


def secret_on(page) -> str:
    import re

    return re.search(r'value="(m2m_[a-z]+_[^"]+)"', page.content.decode()).group(1)


def test_issue_an_api_key_in_the_admin_and_see_it_once(admin_client, api_client):
    from m2m_auth.models import Permission

    read = Permission.objects.get(scope="orders:read")
    page = admin_client.post(reverse("admin:m2m_auth_apikey_add"),
                             {"name": "from-admin", "scopes": [read.pk], "expires_in": "30d"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    key = secret_on(page)
    assert "shown this once" in page.content.decode()
    assert api_client.get("/api/orders/", HTTP_X_API_KEY=key).status_code == 200
    obj = ApiKey.objects.get(name="from-admin")
    assert key not in admin_client.get(reverse("admin:m2m_auth_apikey_change", args=[obj.pk])).content.decode()


@pytest.mark.parametrize("form, message", [
    ({"name": ""}, "This field is required"),
    ({"name": "k", "expires_in": "3 weeks"}, "Invalid duration"),
])
def test_bad_admin_issue_input_is_a_form_error(admin_client, form, message):
    page = admin_client.post(reverse("admin:m2m_auth_apikey_add"), form)
    assert page.status_code == 400 and message in page.content.decode()
    assert not ApiKey.objects.exists()


def test_issue_a_pat_for_a_user_checks_their_scopes(admin_client, make_user):
    from m2m_auth.models import Permission

    user = make_user(scopes=["orders:read"])
    write = Permission.objects.get(scope="orders:write")
    refused = admin_client.post(reverse("admin:m2m_auth_personalaccesstoken_add"),
                                {"user": user.pk, "name": "t", "scopes": [write.pk]})
    assert refused.status_code == 400 and "does not hold scope" in refused.content.decode()
    read = Permission.objects.get(scope="orders:read")
    page = admin_client.post(reverse("admin:m2m_auth_personalaccesstoken_add"),
                             {"user": user.pk, "name": "t", "scopes": [read.pk]})
    assert secret_on(page).startswith("m2m_pat_")


def test_register_an_application_and_rotate_its_secret(admin_client, make_role):
    from m2m_auth.oauth import client_auth

    role = make_role(["orders:read"], kind="machine")
    first = secret_on(admin_client.post(reverse("admin:m2m_auth_application_add"), {"name": "svc", "roles": [role.pk], "with_secret": "on"}))
    app = Application.objects.get(name="svc")
    page = admin_client.post(changelist("application"), {"action": "rotate_secret", "_selected_action": [app.pk]})
    second = secret_on(page)
    assert first != second and second.startswith("m2m_cs_")
    for secret in (first, second):
        form = {"client_id": app.client_id, "client_secret": secret}
        assert client_auth.authenticate_client("", form, None, []).application == app


def test_the_change_page_shows_a_usage_chart(admin_client, api_client, make_api_key):
    obj, key = make_api_key()
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    html = admin_client.get(reverse("admin:m2m_auth_apikey_change", args=[obj.pk])).content.decode()
    assert "<svg" in html and "Used on 1 of the last 30 days." in html


def test_editing_a_role_in_the_admin_is_audited(admin_client, make_role):
    from m2m_auth.models import Permission

    role = make_role(["orders:read"], kind="machine", name="svc-role")
    write = Permission.objects.get(scope="orders:write")
    response = admin_client.post(reverse("admin:m2m_auth_role_change", args=[role.pk]), {
        "name": "svc-role", "kind": "machine", "description": "", "permissions": [write.pk]})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="update", target_kind="role", target_id="svc-role")
    assert event.actor == "admin:admin" and event.detail == {"changed": ["permissions"]}


def test_deleting_in_the_admin_is_audited(admin_client, make_api_key):
    obj, _ = make_api_key(name="to-delete")
    response = admin_client.post(reverse("admin:m2m_auth_apikey_delete", args=[obj.pk]), {"post": "yes"})
    assert response.status_code == 302 and not ApiKey.objects.filter(pk=obj.pk).exists()
    assert AuditEvent.objects.filter(action="delete", target_id=obj.public_id, actor="admin:admin").exists()


def test_role_assignments_are_granted_and_taken_away_audited(admin_client, make_role, make_user):
    from m2m_auth.models import RoleAssignment

    role = make_role(["orders:read"], kind="user", name="viewer-role")
    user = make_user()
    admin_client.post(reverse("admin:m2m_auth_roleassignment_add"), {"user": user.pk, "role": role.pk})
    assignment = RoleAssignment.objects.get(user=user, role=role)
    assert AuditEvent.objects.filter(action="grant", target_id="viewer-role", detail__user=user.username).exists()
    change = reverse("admin:m2m_auth_roleassignment_change", args=[assignment.pk])
    admin_client.post(change, {"user": user.pk, "role": make_role(kind="user").pk})
    assert RoleAssignment.objects.get(pk=assignment.pk).role == role
    admin_client.post(changelist("roleassignment"),
                      {"action": "delete_selected", "_selected_action": [assignment.pk], "post": "yes"})
    assert not RoleAssignment.objects.exists()
    assert AuditEvent.objects.filter(action="ungrant", target_id="viewer-role", detail__user=user.username).exists()


def test_a_machine_role_cannot_be_assigned_to_a_user(admin_client, make_role, make_user):
    machine = make_role(kind="machine")
    response = admin_client.post(reverse("admin:m2m_auth_roleassignment_add"),
                                 {"user": make_user().pk, "role": machine.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_the_demo_admin_hides_the_toolkits_unused_models(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "/admin/m2m_auth/application/" in html and "/admin/oauth2_provider/" not in html


def test_admin_refuses_a_resource_identifier_that_is_not_an_absolute_uri(admin_client):
    from m2m_auth.models import ApiResource

    form = {"identifier": "not-a-url", "name": "Not a URL", "token_ttl": 900,
            "permissions-TOTAL_FORMS": 0, "permissions-INITIAL_FORMS": 0}
    response = admin_client.post(reverse("admin:m2m_auth_apiresource_add"), form)
    assert response.status_code == 200
    assert "an absolute URI is required" in response.content.decode()
    assert not ApiResource.objects.filter(name="Not a URL").exists()


def test_registering_an_application_without_a_scope_warns(admin_client, make_role):
    page = admin_client.post(reverse("admin:m2m_auth_application_add"), {"name": "lonely", "with_secret": "on"})
    assert "has no role that gives it a scope, so the token endpoint will refuse it" in page.content.decode()
    role = make_role(["orders:read"], kind="machine")
    page = admin_client.post(reverse("admin:m2m_auth_application_add"),
                             {"name": "served", "roles": [role.pk], "with_secret": "on"})
    assert "has no role" not in page.content.decode() and Application.objects.filter(name="served").exists()

"""Admin pages an operator can work in: buttons, layout, readable fields, hints, shown-once facts."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from m2m_auth import hashing, issuing, rbac, revoking
from m2m_auth.models import ApiKey, Application, AuditEvent, Permission, Role
from m2m_auth.oauth import clients, mtls

from .certs import self_signed
from .test_admin import secret_on
from .test_oauth_clients import public_jwk

pytestmark = pytest.mark.django_db


def change(model, obj):
    return reverse(f"admin:m2m_auth_{model}_change", args=[obj.pk])


def button(model, obj, name):
    return reverse(f"admin:m2m_auth_{model}_{name}", args=[obj.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_key_page_opens_with_identity_status_and_usage_before_the_editable_fields(admin_client, make_api_key):
    obj, _ = make_api_key(name="layout-key")
    html = text(admin_client.get(change("apikey", obj)))
    order = [html.index(marker) for marker in
             (f"m2m_ak_{obj.public_id}_…", "m2m-status-active", "m2m-usage", 'name="name"', 'name="expires_at_0"')]
    assert order == sorted(order)
    assert button("apikey", obj, "revoke") in html


def test_revoke_button_asks_for_a_reason_then_revokes_and_leads_back(admin_client, api_client, make_api_key):
    obj, key = make_api_key()
    confirm = admin_client.get(button("apikey", obj, "revoke"))
    html = text(confirm)
    assert confirm.status_code == 200 and 'name="reason"' in html
    assert change("apikey", obj) in html and reverse("admin:m2m_auth_apikey_changelist") in html  # breadcrumbs
    response = admin_client.post(button("apikey", obj, "revoke"), {"reason": "left the company"})
    assert response.status_code == 302 and response["Location"] == change("apikey", obj)
    obj.refresh_from_db()
    assert obj.revoke_reason == "left the company" and obj.revoked_by == "admin:admin"
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401
    assert button("apikey", obj, "revoke") not in text(admin_client.get(change("apikey", obj)))
    assert admin_client.get(button("apikey", obj, "revoke")).status_code == 403


def test_buttons_need_the_change_permission(client, make_api_key, django_user_model):
    from django.contrib.auth.models import Permission as DjangoPermission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.set(DjangoPermission.objects.filter(codename="view_apikey"))
    obj, _ = make_api_key()
    client.force_login(viewer)
    assert "Revoke…" not in text(client.get(change("apikey", obj)))
    assert client.post(button("apikey", obj, "revoke"), {"reason": "x"}).status_code == 403
    assert not ApiKey.objects.get(pk=obj.pk).is_revoked


def test_an_unknown_object_is_a_404(admin_client):
    assert admin_client.get(reverse("admin:m2m_auth_apikey_revoke", args=[999999])).status_code == 404


def test_rotate_button_shows_client_id_and_dates(admin_client):
    app, first = issuing.create_application("rotating")
    confirm = text(admin_client.get(button("application", app, "rotate")))
    assert "Older secrets keep working until" in confirm and change("application", app) in confirm
    page = admin_client.post(button("application", app, "rotate"))
    html, second = text(page), secret_on(page)
    assert "no-store" in page["Cache-Control"] and second != first
    old = app.secrets.exclude(public_id=hashing.parse(second, "client_secret").public_id).get()
    assert app.client_id in html and f"m2m_cs_{old.public_id}_…" in html
    assert old.expires_at.strftime("%Y-%m-%d %H:%M") in html
    assert change("application", app) in html  # breadcrumbs and "Done" lead back to the application


def test_disable_button_revokes_with_a_reason(admin_client):
    app, _ = issuing.create_application("to-disable")
    admin_client.post(button("application", app, "disable"), {"reason": "decommissioned"})
    app.refresh_from_db()
    assert not app.is_active and app.secrets.get().revoke_reason == "decommissioned"
    assert button("application", app, "rotate") not in text(admin_client.get(change("application", app)))


def test_the_issued_key_page_names_its_expiry(admin_client):
    read = Permission.objects.get(scope="orders:read")
    page = admin_client.post(reverse("admin:m2m_auth_apikey_add"),
                             {"name": "dated", "scopes": [read.pk], "expires_in": "30d"})
    key = ApiKey.objects.get(name="dated")
    assert key.expires_at.strftime("%Y-%m-%d %H:%M") in text(page)


def test_json_fields_read_as_text_never_null(admin_client):
    app, _ = issuing.create_application("plain")
    html = text(admin_client.get(change("application", app)))
    jwks = re.search(r'<textarea name="jwks"[^>]*>(.*?)</textarea>', html).group(1)
    thumbprints = re.search(r'<textarea name="tls_certificate_thumbprints"[^>]*>(.*?)</textarea>', html).group(1)
    assert jwks.strip() == "" and thumbprints.strip() == ""


def application_form(app, **fields):
    return {"name": app.name, "description": "", "jwks": "", "tls_subject_dn": "", "tls_san": "",
            "tls_certificate_thumbprints": "", "add_certificate": "",
            "secrets-TOTAL_FORMS": 0, "secrets-INITIAL_FORMS": 0, **fields}


def test_thumbprints_are_edited_one_per_line(admin_client):
    app, _ = issuing.create_application("certs")
    first, second = (mtls.thumbprint_of_pem(self_signed(name).pem) for name in ("a", "b"))
    response = admin_client.post(change("application", app),
                                 application_form(app, tls_certificate_thumbprints=f"{first}\n\n {second} \n"))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.tls_certificate_thumbprints == sorted([first, second])
    assert f"{sorted([first, second])[0]}\n{sorted([first, second])[1]}" in admin_client.get(
        change("application", app)).content.decode()
    bad = admin_client.post(change("application", app), application_form(app, tls_certificate_thumbprints="nope"))
    assert bad.status_code == 200 and "Line 1 is not an x5t#S256 thumbprint" in text(bad)


def test_jwks_is_shown_indented_and_an_emptied_field_removes_it(admin_client):
    jwk, _ = public_jwk(kid="k1")
    app, _ = issuing.create_application("keys")
    clients.register_jwks(app, {"keys": [jwk]})
    html = admin_client.get(change("application", app)).content.decode()
    assert '\n  &quot;keys&quot;: [' in html
    admin_client.post(change("application", app), application_form(app, jwks=""))
    app.refresh_from_db()
    assert app.jwks is None


def registration(**fields):
    return {"name": "registered", "with_secret": "on", "jwks": "", "tls_subject_dn": "", "tls_san": "",
            "add_certificate": "", **fields}


def test_the_add_form_registers_a_certificate_only_application_with_keys(admin_client, make_role):
    role = make_role(["orders:read"], kind="machine")
    jwk, _ = public_jwk(kid="k1")
    certificate = self_signed("cert-only")
    page = admin_client.post(reverse("admin:m2m_auth_application_add"), registration(
        roles=[role.pk], with_secret="", jwks=json.dumps({"keys": [jwk]}), tls_subject_dn="CN=svc,O=Example",
        add_certificate=certificate.pem.decode()))
    app = Application.objects.get(name="registered")
    assert page.status_code == 200 and app.client_id in text(page) and "m2m_cs_" not in text(page)
    assert not app.secrets.exists() and app.jwks == {"keys": [jwk]} and list(app.roles.all()) == [role]
    assert app.tls_subject_dn == "CN=svc,O=Example"
    assert app.tls_certificate_thumbprints == [mtls.thumbprint_of_pem(certificate.pem)]


def test_the_add_form_shows_the_client_id_beside_the_secret(admin_client):
    page = admin_client.post(reverse("admin:m2m_auth_application_add"), registration())
    app = Application.objects.get(name="registered")
    assert app.client_id in text(page) and secret_on(page).startswith("m2m_cs_")


@pytest.mark.parametrize("fields, message", [
    ({"with_secret": ""}, "it must authenticate somehow"),
    ({"jwks": '{"keys": []}'}, "non-empty"),
    ({"jwks": "{not json"}, "Enter a valid JSON"),
    ({"tls_san": "nonsense"}, "Invalid SAN"),
    ({"add_certificate": "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----"}, "not a PEM"),
])
def test_bad_registrations_are_form_errors_and_change_nothing(admin_client, fields, message):
    page = admin_client.post(reverse("admin:m2m_auth_application_add"), registration(**fields))
    assert page.status_code == 400 and message in text(page)
    assert not Application.objects.exists()


def test_scopes_are_labelled_and_grouped_by_resource(admin_client, make_api_key):
    add = text(admin_client.get(reverse("admin:m2m_auth_apikey_add")))
    assert "Demo API (https://api.demo.local)" in add
    obj, _ = make_api_key()
    assert "orders:read (Demo API)" in text(admin_client.get(change("apikey", obj)))


def test_roles_list_their_scopes(admin_client, make_role):
    make_role(["orders:read", "orders:write"], kind="machine", name="billing")
    html = text(admin_client.get(reverse("admin:m2m_auth_role_changelist")))
    assert re.search(r"billing.*orders:read.*orders:write", html)
    add = text(admin_client.get(reverse("admin:m2m_auth_application_add")))
    assert "billing (orders:read, orders:write)" in add


def test_an_empty_role_list_links_to_creating_one(admin_client, make_role):
    hint = reverse("admin:m2m_auth_role_add") + "?kind=machine"
    for url in (reverse("admin:m2m_auth_application_add"), reverse("admin:m2m_auth_apikey_add")):
        assert "No machine roles yet." in text(admin_client.get(url)) and hint in text(admin_client.get(url))
    make_role(kind="machine")
    assert "No machine roles yet." not in text(admin_client.get(reverse("admin:m2m_auth_apikey_add")))


def test_admin_edits_still_go_through_the_audit_log(admin_client):
    app, _ = issuing.create_application("audited")
    first = mtls.thumbprint_of_pem(self_signed("a").pem)
    admin_client.post(change("application", app), application_form(app, tls_certificate_thumbprints=first))
    event = AuditEvent.objects.filter(action="update", target_id=app.client_id).latest("created_at")
    assert event.detail == {"changed": ["tls_certificate_thumbprints"]}


def test_user_role_scopes_are_not_offered_as_machine_roles(admin_client):
    rbac.create_role("people", "user", ["orders:read"])
    assert "people (" not in text(admin_client.get(reverse("admin:m2m_auth_application_add")))
    assert Role.objects.filter(kind="user").exists()


def test_revoked_rows_show_who_revoked_and_why(admin_client, make_api_key):
    obj, _ = make_api_key()
    revoking.revoke(obj, actor="admin:someone", reason="rotated out")
    html = text(admin_client.get(change("apikey", obj)))
    assert "admin:someone" in html and "rotated out" in html


def test_the_key_page_hints_when_only_user_roles_exist(admin_client, make_api_key, make_role):
    make_role(kind="user")
    obj, _ = make_api_key()
    assert "No machine roles yet." in text(admin_client.get(change("apikey", obj)))


def test_roll_button_issues_a_successor_and_shows_both_dates(admin_client, api_client, make_api_key):
    old, old_key = make_api_key(name="rolling", expires_in=timedelta(days=30))
    confirm = text(admin_client.get(button("apikey", old, "roll")))
    assert 'name="overlap"' in confirm and "empty for the default, 1 day" in confirm
    page = admin_client.post(button("apikey", old, "roll"), {"overlap": "2h"})
    new_key, html = secret_on(page), text(page)
    old.refresh_from_db()
    new = ApiKey.objects.get(rolled_from=old)
    assert "no-store" in page["Cache-Control"] and new_key.startswith("m2m_ak_")
    for date in (new.expires_at, old.expires_at):
        assert date.strftime("%Y-%m-%d %H:%M") in html
    assert timedelta(hours=1, minutes=59) < old.expires_at - old.rolled_at <= timedelta(hours=2)
    for key in (old_key, new_key):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
    old_page, new_page = text(admin_client.get(change("apikey", old))), text(admin_client.get(change("apikey", new)))
    assert button("apikey", old, "roll") not in old_page and f"m2m_ak_{new.public_id}_…" in old_page
    assert button("apikey", new, "roll") in new_page and f"rolled from <a href=\"{change('apikey', old)}\"" in new_page


@pytest.mark.parametrize("overlap, message", [("soon", "Invalid duration"), ("", None)])
def test_a_bad_overlap_is_a_form_error(admin_client, make_api_key, overlap, message):
    old, _ = make_api_key()
    page = admin_client.post(button("apikey", old, "roll"), {"overlap": overlap})
    old.refresh_from_db()
    if message:
        assert page.status_code == 400 and message in text(page) and old.rolled_at is None
    else:
        assert page.status_code == 200 and old.rolled_at is not None


def test_a_rolled_key_cannot_be_rolled_again(admin_client, make_api_key):
    old, _ = make_api_key()
    issuing.roll_api_key(old)
    assert admin_client.post(button("apikey", old, "roll"), {"overlap": "1h"}).status_code == 403
    assert ApiKey.objects.filter(name=old.name).count() == 2


def test_the_application_page_lists_certificates_with_their_expiry(admin_client):
    app, _ = issuing.create_application("certified")
    known = self_signed("known")
    clients.register_tls(app, certificates=[known.pem])
    app.refresh_from_db()
    app.tls_certificate_thumbprints = [*app.tls_certificate_thumbprints, "A" * 43]
    app.save()
    html = text(admin_client.get(change("application", app)))
    not_after = known.certificate.not_valid_after_utc
    assert f"{mtls.thumbprint_of_pem(known.pem)}</code> · expires {not_after:%Y-%m-%d}" in html
    assert f"{'A' * 43}</code> · expiry unknown" in html

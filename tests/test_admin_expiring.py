"""The admin's "expiring soon" page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission as DjangoPermission
from django.urls import reverse

from m2m_auth import issuing, revoking

pytestmark = pytest.mark.django_db

URL = "/admin/m2m_auth/apikey/expiring/"


def test_it_lists_credentials_due_within_the_window_with_their_dates(admin_client, make_api_key, make_pat):
    soon, _ = make_api_key(name="due-in-3-days", expires_in=timedelta(days=3))
    make_api_key(name="due-in-30-days", expires_in=timedelta(days=30))
    make_api_key(name="never-expires")
    revoking.revoke(make_api_key(name="revoked-soon", expires_in=timedelta(days=1))[0])
    pat, _ = make_pat(name="token-due", expires_in=timedelta(days=2))
    app, _ = issuing.create_application("rotating")
    secret, _ = issuing.add_client_secret(app, expires_in=timedelta(days=5))
    html = admin_client.get(URL).content.decode()
    for expected in ("due-in-3-days", soon.expires_at.strftime("%Y-%m-%d %H:%M"), "token-due", pat.user.username,
                     f"m2m_cs_{secret.public_id}_…", "rotating"):
        assert expected in html
    for absent in ("due-in-30-days", "never-expires", "revoked-soon"):
        assert absent not in html
    assert html.index(reverse("admin:m2m_auth_apikey_change", args=[soon.pk])) > 0


def test_the_window_is_chosen_and_a_bad_one_is_a_form_error(admin_client, make_api_key):
    make_api_key(name="due-in-30-days", expires_in=timedelta(days=30))
    assert "due-in-30-days" in admin_client.get(URL, {"within": "31d"}).content.decode()
    bad = admin_client.get(URL, {"within": "soon"})
    assert bad.status_code == 400 and "Invalid duration" in bad.content.decode()


def test_only_kinds_the_operator_may_view_are_listed(client, django_user_model, make_api_key, make_pat):
    make_api_key(name="key-due", expires_in=timedelta(days=1))
    make_pat(name="token-due", expires_in=timedelta(days=1))
    staff = django_user_model.objects.create_user("keys-only", password="pw", is_staff=True)
    staff.user_permissions.set(DjangoPermission.objects.filter(codename="view_apikey"))
    client.force_login(staff)
    html = client.get(URL).content.decode()
    assert "key-due" in html and "token-due" not in html and "Personal access tokens" not in html


def test_it_is_linked_from_the_lists_and_the_app_page(admin_client):
    for url in (reverse("admin:m2m_auth_apikey_changelist"), reverse("admin:m2m_auth_clientsecret_changelist"),
                reverse("admin:app_list", args=["m2m_auth"])):
        assert URL in admin_client.get(url).content.decode()


def test_non_staff_are_sent_to_log_in(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 302


def test_registered_certificates_are_listed_and_successors_in_place_are_not(admin_client, make_api_key):
    from m2m_auth.oauth import clients, mtls

    from .certs import self_signed

    app, _ = issuing.create_application("with-cert", with_secret=False)
    certificate = self_signed("expiring-cert")  # valid for two more days
    clients.register_tls(app, certificates=[certificate.pem])
    rolled, _ = make_api_key(name="rolled-already", expires_in=timedelta(days=2))
    issuing.roll_api_key(rolled)
    html = admin_client.get(URL).content.decode()
    assert mtls.thumbprint_of_pem(certificate.pem) in html and "self-signed certificate" in html
    assert reverse("admin:m2m_auth_application_change", args=[app.pk]) in html
    assert f"m2m_ak_{rolled.public_id}_…" not in html

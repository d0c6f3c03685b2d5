"""The admin in a real browser: registering, rotating, rolling, what expires soon, pages that fit 1280 px."""

import json
from datetime import timedelta

from django.utils import timezone

from m2m_auth import issuing, rbac
from m2m_auth.models import ApiKey, Application
from m2m_auth.oauth import clients, mtls

from .browser import WIDTH, browser, by, click_and_wait, copy_secret, log_in, marks, page_width, shot  # noqa: F401
from .browser import wait_for_text
from .certs import self_signed
from .test_oauth_clients import public_jwk

pytestmark = marks


def sign_in(browser, live_server, django_user_model, path):
    django_user_model.objects.create_superuser("operator", "op@example.com", "operator-pw")
    browser.get(f"{live_server.url}{path}")
    log_in(browser, "operator", "operator-pw")


def fill(browser, css, text):
    browser.find_element(*by(css)).send_keys(text)


def test_operator_registers_an_application_with_a_certificate_and_rotates_its_secret(
        browser, live_server, django_user_model):
    rbac.create_role("billing-service", "machine", ["orders:read"])
    jwk, _ = public_jwk(kid="billing-2026")
    certificate = self_signed("billing")
    sign_in(browser, live_server, django_user_model, "/admin/m2m_auth/application/add/")
    wait_for_text(browser, "Register application")
    fill(browser, "#id_name", "billing")
    browser.find_element("xpath", "//label[contains(., 'billing-service (orders:read)')]/input").click()
    fill(browser, "#id_jwks", json.dumps({"keys": [jwk]}))
    fill(browser, "#id_tls_subject_dn", "CN=billing,O=Example")
    fill(browser, "#id_add_certificate", certificate.pem.decode())
    shot(browser, "admin-register-application")
    click_and_wait(browser, "input[type=submit]", "shown this once")
    app = Application.objects.get(name="billing")
    assert app.client_id in browser.find_element(*by(".m2m-facts")).text
    assert copy_secret(browser).startswith("m2m_cs_")
    shot(browser, "admin-application-registered")

    click_and_wait(browser, "a.button", "Rotate secret…")
    assert browser.find_element(*by("#id_jwks")).get_attribute("value").startswith('{\n  "keys": [')
    assert browser.find_element(*by("#id_tls_certificate_thumbprints")).get_attribute("value") == \
        mtls.thumbprint_of_pem(certificate.pem)
    assert page_width(browser) <= WIDTH
    shot(browser, "admin-application")
    click_and_wait(browser, ".object-tools a[href$='/rotate/']", "Older secrets keep working until")
    click_and_wait(browser, "input[name=apply]", "shown this once")
    old = app.secrets.order_by("created_at").first()
    facts = browser.find_element(*by(".m2m-facts")).text
    assert app.client_id in facts and timezone.localtime(old.expires_at).strftime("%Y-%m-%d %H:%M") in facts
    shot(browser, "admin-secret-rotated")


def seed_usage(key) -> None:
    today = timezone.now().date()
    counts = enumerate([12, 30, 25, 0, 0, 41, 38, 22, 17, 0, 9, 28, 33, 5])
    text = " ".join(f"{(today - timedelta(days=n)).isoformat()}:{count}" for n, count in counts if count)
    ApiKey.objects.filter(pk=key.pk).update(recent_usage=text)


CHANGELISTS = ["apikey", "personalaccesstoken", "clientsecret", "application", "role", "permission", "auditevent",
              "apiresource", "roleassignment", "revokedtoken", "signingkey"]


def test_expiring_soon_and_every_list_fits_a_1280_px_screen(browser, live_server, django_user_model, make_pat):
    due, _ = issuing.create_api_key("partner-feed", scopes=["orders:read"], expires_in=timedelta(days=3))
    issuing.create_api_key("nightly-export", scopes=["orders:read"], expires_in=timedelta(days=90))
    make_pat(name="release script", expires_in=timedelta(days=2))
    app, _ = issuing.create_application("inventory")
    issuing.add_client_secret(app, expires_in=timedelta(days=5))
    clients.register_tls(app, certificates=[self_signed("inventory").pem])
    seed_usage(due)
    sign_in(browser, live_server, django_user_model, "/admin/m2m_auth/apikey/")
    click_and_wait(browser, ".object-tools a[href$='/expiring/']", "soonest first")
    table = browser.find_element(*by(".m2m-expiring table")).text
    assert "partner-feed" in table and timezone.localtime(due.expires_at).strftime("%Y-%m-%d %H:%M") in table
    assert "nightly-export" not in browser.page_source and "self-signed certificate" in browser.page_source
    shot(browser, "admin-expiring")
    click_and_wait(browser, ".m2m-expiring table a", "Used on 11 of the last 30 days.")
    shot(browser, "admin-api-key")
    for model in CHANGELISTS:
        browser.get(f"{live_server.url}/admin/m2m_auth/{model}/")
        wait_for_text(browser, "Select ")
        assert page_width(browser) <= WIDTH, model

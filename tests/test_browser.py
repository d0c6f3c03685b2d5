"""Real browser tests: Debian's headless Chromium driven by Selenium (see tests/browser.py).

An operator issues, copies, rolls and revokes an API key in the admin; a user
creates, uses and revokes a personal access token on the self-service page.
"""

from datetime import timedelta

import pytest

from m2m_auth import issuing, rbac

from .browser import api, browser, by, click_and_wait, copy_secret, log_in, marks, shot, wait_for_text  # noqa: F401

pytestmark = marks


def test_operator_issues_copies_rolls_and_revokes_an_api_key(browser, live_server, django_user_model):
    django_user_model.objects.create_superuser("operator", "op@example.com", "operator-pw")
    browser.get(f"{live_server.url}/admin/m2m_auth/apikey/add/")
    log_in(browser, "operator", "operator-pw")
    wait_for_text(browser, "Issue API key")
    browser.find_element(*by("#id_name")).send_keys("billing-export")
    browser.find_element("xpath", "//label[normalize-space()='orders:read']/input[@name='scopes']").click()
    browser.find_element(*by("#id_expires_in")).send_keys("90d")
    shot(browser, "admin-issue-api-key")
    click_and_wait(browser, "input[type=submit]", "shown this once")
    shot(browser, "admin-api-key-shown-once")
    key = copy_secret(browser)
    assert key == browser.find_element(*by("#m2m-secret")).get_attribute("value") and key.startswith("m2m_ak_")
    assert api(live_server, "/api/orders/", **{"X-API-Key": key}).status_code == 200

    browser.get(f"{live_server.url}/admin/m2m_auth/apikey/")
    wait_for_text(browser, "billing-export")
    assert key not in browser.page_source
    shot(browser, "admin-api-keys")
    click_and_wait(browser, "#result_list tbody th a", "Roll…")
    click_and_wait(browser, ".object-tools a[href$='/roll/']", "keeps working for the overlap")
    browser.find_element(*by("#id_overlap")).send_keys("2h")
    click_and_wait(browser, "input[name=apply]", "shown this once")
    assert "Old key" in browser.find_element(*by(".m2m-facts")).text
    shot(browser, "admin-api-key-rolled")
    rolled = copy_secret(browser)
    for secret in (key, rolled):  # the old key works through the overlap
        assert api(live_server, "/api/orders/", **{"X-API-Key": secret}).status_code == 200

    click_and_wait(browser, "a.button", "Revoke…")  # "Done" leads to the new key's page
    click_and_wait(browser, "a.m2m-tool-danger", "stops working on the very next request")
    browser.find_element(*by("#id_reason")).send_keys("rotated out in the browser test")
    click_and_wait(browser, "input[name=apply]", "it stops working on the very next request")
    assert "rotated out in the browser test" in browser.page_source
    assert api(live_server, "/api/orders/", **{"X-API-Key": rolled}).status_code == 401


def test_user_creates_uses_and_revokes_a_token(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@example.com", "alice-pw")
    role = rbac.create_role("order-viewers", "user", ["orders:read"])
    rbac.grant_role(user.username, role.name)
    issuing.create_personal_access_token(user, "nightly report", scopes=["orders:read"], expires_in=timedelta(days=3))
    browser.get(f"{live_server.url}/account/tokens/")
    log_in(browser, "alice", "alice-pw")
    wait_for_text(browser, "Create a token")
    assert "“nightly report” expires in 2 days" in browser.find_element(*by(".m2m-warning")).text
    browser.find_element(*by("#id_name")).send_keys("laptop CLI")
    browser.find_element(*by("input[name=scopes][value='orders:read']")).click()
    shot(browser, "self-service-tokens")
    click_and_wait(browser, "button.m2m-primary", "shown this once")
    shot(browser, "self-service-token-shown-once")
    token = copy_secret(browser)
    assert token.startswith("m2m_pat_")
    whoami = api(live_server, "/api/whoami/", Authorization=f"Bearer {token}").json()
    assert whoami["username"] == "alice" and whoami["scopes"] == ["orders:read"]

    click_and_wait(browser, "a[href='/account/tokens/']", "Your tokens")
    assert token not in browser.page_source
    click_and_wait(browser, "button.m2m-danger", "stops working at once")
    shot(browser, "self-service-token-revoked")
    assert api(live_server, "/api/whoami/", Authorization=f"Bearer {token}").status_code == 401

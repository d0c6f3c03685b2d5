"""Real browser tests: Debian's headless Chromium driven by Selenium.

An operator issues, copies and revokes an API key in the admin; a user
creates, uses and revokes a personal access token on the self-service page.
Screenshots land in docs/screenshots/ (the README shows them). Without
/usr/bin/chromium the module is skipped, unless M2M_REQUIRE_BROWSER is set
(as .ci/run does), when that is a failure.
"""

import os
import shutil
from pathlib import Path

import httpx
import pytest

from m2m_auth import rbac

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
HAVE_BROWSER = bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))

if not HAVE_BROWSER and os.environ.get("M2M_REQUIRE_BROWSER"):
    raise RuntimeError("M2M_REQUIRE_BROWSER is set but Debian's chromium and chromium-driver are not installed")

pytestmark = [
    pytest.mark.skipif(not HAVE_BROWSER, reason="needs Debian's chromium and chromium-driver"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser(live_server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": live_server.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def by(css):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def wait_for_text(driver, text: str, timeout: float = 10) -> None:
    """Clicks return before the next page has loaded: wait for what it must show."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda current: text in current.page_source)


def shot(driver, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def log_in(driver, url, username, password):
    driver.find_element(*by("#id_username")).send_keys(username)
    driver.find_element(*by("#id_password")).send_keys(password)
    driver.find_element(*by("[type=submit]")).click()


def copy_secret(driver) -> str:
    """Clicks the copy button; returns what reached the clipboard."""
    driver.find_element(*by("[data-m2m-copy]")).click()
    wait_for_text(driver, "Copied to the clipboard.")
    return driver.execute_async_script("navigator.clipboard.readText().then(arguments[arguments.length - 1])")


def api(live_server, path, **headers):
    return httpx.get(f"{live_server.url}{path}", headers=headers)


def test_operator_issues_copies_and_revokes_an_api_key(browser, live_server, django_user_model):
    django_user_model.objects.create_superuser("operator", "op@example.com", "operator-pw")
    browser.get(f"{live_server.url}/admin/m2m_auth/apikey/add/")
    log_in(browser, live_server.url, "operator", "operator-pw")
    wait_for_text(browser, "Issue API key")
    browser.find_element(*by("#id_name")).send_keys("billing-export")
    browser.find_element("xpath", "//label[normalize-space()='orders:read']/input[@name='scopes']").click()
    browser.find_element(*by("#id_expires_in")).send_keys("90d")
    shot(browser, "admin-issue-api-key")
    browser.find_element(*by("input[type=submit]")).click()
    wait_for_text(browser, "shown this once")
    shot(browser, "admin-api-key-shown-once")
    key = copy_secret(browser)
    assert key == browser.find_element(*by("#m2m-secret")).get_attribute("value") and key.startswith("m2m_ak_")
    assert api(live_server, "/api/orders/", **{"X-API-Key": key}).status_code == 200

    browser.get(f"{live_server.url}/admin/m2m_auth/apikey/")
    wait_for_text(browser, "billing-export")
    assert key not in browser.page_source
    shot(browser, "admin-api-keys")
    browser.find_element(*by("input.action-select")).click()
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(*by("select[name=action]"))).select_by_value("revoke_selected")
    browser.find_element(*by("button[name=index]")).click()
    wait_for_text(browser, "stops working on the very next request")
    browser.find_element(*by("#id_reason")).send_keys("rotated out in the browser test")
    browser.find_element(*by("input[name=apply]")).click()
    wait_for_text(browser, "Revoked 1 credential")
    assert api(live_server, "/api/orders/", **{"X-API-Key": key}).status_code == 401


def test_user_creates_uses_and_revokes_a_token(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@example.com", "alice-pw")
    role = rbac.create_role("order-viewers", "user", ["orders:read"])
    rbac.grant_role(user.username, role.name)
    browser.get(f"{live_server.url}/account/tokens/")
    log_in(browser, live_server.url, "alice", "alice-pw")
    wait_for_text(browser, "Create a token")
    browser.find_element(*by("#id_name")).send_keys("laptop CLI")
    browser.find_element(*by("input[name=scopes][value='orders:read']")).click()
    shot(browser, "self-service-tokens")
    browser.find_element(*by("button.m2m-primary")).click()
    wait_for_text(browser, "shown this once")
    shot(browser, "self-service-token-shown-once")
    token = copy_secret(browser)
    assert token.startswith("m2m_pat_")
    whoami = api(live_server, "/api/whoami/", Authorization=f"Bearer {token}").json()
    assert whoami["username"] == "alice" and whoami["scopes"] == ["orders:read"]

    browser.find_element(*by("a[href='/account/tokens/']")).click()
    wait_for_text(browser, "Your tokens")
    assert token not in browser.page_source
    browser.find_element(*by("button.m2m-danger")).click()
    wait_for_text(browser, "stops working at once")
    shot(browser, "self-service-token-revoked")
    assert api(live_server, "/api/whoami/", Authorization=f"Bearer {token}").status_code == 401

"""Driving Debian's headless Chromium with Selenium, for the browser test modules.

Without /usr/bin/chromium those modules are skipped, unless M2M_REQUIRE_BROWSER
is set (as .ci/run does), when that is a failure. Screenshots are written only
when M2M_SCREENSHOTS names a directory (``M2M_SCREENSHOTS=docs/screenshots``),
so a test run leaves the tree as it found it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
HAVE_BROWSER = bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))
WIDTH = 1280

if not HAVE_BROWSER and os.environ.get("M2M_REQUIRE_BROWSER"):
    raise RuntimeError("M2M_REQUIRE_BROWSER is set but Debian's chromium and chromium-driver are not installed")

marks = [
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
                 f"--window-size={WIDTH},900"):
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


def click_and_wait(driver, css: str, text: str) -> None:
    driver.find_element(*by(css)).click()
    wait_for_text(driver, text)


def shot(driver, name: str) -> None:
    """A screenshot of the whole page, only when M2M_SCREENSHOTS asks for them."""
    directory = os.environ.get("M2M_SCREENSHOTS")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(max(height + 140, 600), 2000))
    driver.save_screenshot(str(Path(directory) / f"{name}.png"))
    driver.set_window_size(WIDTH, 900)


def page_width(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth")


def log_in(driver, username, password):
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

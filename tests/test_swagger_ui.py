"""The demo's Swagger UI in a real browser: three security schemes, and a call
to /api/orders/ with an API key, every asset served by the demo itself."""

from .browser import browser, by, marks, wait_for_text  # noqa: F401  (browser is a fixture)

pytestmark = marks


def test_swagger_ui_authorizes_with_a_key_and_lists_orders(browser, live_server, make_api_key):  # noqa: F811
    _, key = make_api_key(scopes=["orders:read"])
    browser.get(f"{live_server.url}/api/docs/")
    browser.find_element(*by(".btn.authorize")).click()
    wait_for_text(browser, "OAuth2ClientCredentials (OAuth2, clientCredentials)")
    names = [h4.text for h4 in browser.find_elements(*by(".auth-container h4"))]
    assert [name.split(" ")[0] for name in names] == ["ApiKey", "OAuth2ClientCredentials", "PersonalAccessToken"]
    browser.find_element(*by(".auth-container input[type=text]")).send_keys(key)
    browser.find_element(*by(".auth-container .auth-btn-wrapper .authorize")).click()
    browser.find_element(*by(".btn-done")).click()
    browser.find_element(*by("#operations-orders-orders_list .opblock-summary")).click()
    browser.find_element(*by(".try-out__btn")).click()
    browser.find_element(*by(".execute")).click()
    wait_for_text(browser, "live-responses-table")
    assert f"X-API-Key: {key}" in browser.find_element(*by(".curl-command")).text
    status = browser.find_element(*by(".live-responses-table .response .response-col_status")).text
    assert status.startswith("200")
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert requested and all(url.startswith(live_server.url) for url in requested)

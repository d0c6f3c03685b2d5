"""The demo site answers exactly as the README documents."""

import json
import urllib.error
import urllib.request

import pytest

from m2m_auth.models import ApiResource

pytestmark = pytest.mark.django_db


def test_demo_resource_exists_after_migrate():
    resource = ApiResource.objects.get(identifier="https://api.demo.local")
    assert sorted(resource.permissions.values_list("scope", flat=True)) == ["orders:read", "orders:write"]


def test_orders_need_read_to_list_and_write_to_place(api_client, make_api_key):
    _, reader = make_api_key(scopes=["orders:read"])
    _, writer = make_api_key(scopes=["orders:write"])
    placed = api_client.post("/api/orders/", {"item": "widget", "quantity": 3}, format="json", HTTP_X_API_KEY=writer)
    assert placed.status_code == 201
    assert placed.json()["item"] == "widget"
    listed = api_client.get("/api/orders/", HTTP_X_API_KEY=reader)
    assert listed.status_code == 200
    assert [o["item"] for o in listed.json()] == ["widget"]
    assert api_client.get("/api/orders/", HTTP_X_API_KEY=writer).status_code == 403
    assert api_client.post("/api/orders/", {"item": "w", "quantity": 1}, format="json", HTTP_X_API_KEY=reader).status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, {"item": "w"}, {"item": "w", "quantity": 0}, {"item": "w", "quantity": "many"}, {"item": "", "quantity": 1}],
)
def test_bad_order_is_a_400_with_reasons(api_client, make_api_key, body):
    _, writer = make_api_key(scopes=["orders:write"])
    response = api_client.post("/api/orders/", body, format="json", HTTP_X_API_KEY=writer)
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_malformed_json_is_a_400(api_client, make_api_key):
    _, writer = make_api_key(scopes=["orders:write"])
    response = api_client.post("/api/orders/", b"{not json", content_type="application/json", HTTP_X_API_KEY=writer)
    assert response.status_code == 400


def fetch(url, headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), error.headers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_live_server_whoami_and_orders(live_server, make_api_key, make_pat):
    _, key = make_api_key(scopes=["orders:read"])
    pat, token = make_pat(scopes=["orders:read"])
    status, body, _ = fetch(f"{live_server.url}/api/whoami/", {"X-API-Key": key})
    assert (status, body["kind"]) == (200, "api_key")
    status, body, _ = fetch(f"{live_server.url}/api/orders/", {"Authorization": f"Bearer {token}"})
    assert (status, body) == (200, [])
    status, body, headers = fetch(f"{live_server.url}/api/whoami/", {})
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")


def test_home_page_lists_the_api(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"/api/orders/" in response.content and b"orders:write" in response.content

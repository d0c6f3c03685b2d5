"""m2m_auth.openapi: drf-spectacular knows our authentication and scope classes;
the demo's schema is valid OpenAPI and the demo answers as it says."""

import io
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.management import call_command
from drf_spectacular.settings import spectacular_settings
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from rest_framework.permissions import IsAuthenticated
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from m2m_auth.openapi import operation_scopes
from m2m_auth.permissions import HasScopes, require_scopes

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate(schema)


def test_generation_resolves_every_authenticator(tmp_path):
    # --fail-on-warn turns "could not resolve authenticator" into an error.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"),
                 stderr=io.StringIO())


def test_three_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert (schemes["PersonalAccessToken"]["type"], schemes["PersonalAccessToken"]["scheme"]) == ("http", "bearer")
    flow = schemes["OAuth2ClientCredentials"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "http://testserver/oauth/token"
    assert {"orders:read", "orders:write"} <= set(flow["scopes"])


def test_each_method_lists_the_scopes_it_needs(schema):
    orders = schema["paths"]["/api/orders/"]
    assert {"OAuth2ClientCredentials": ["orders:read"]} in orders["get"]["security"]
    assert {"OAuth2ClientCredentials": ["orders:write"]} in orders["post"]["security"]
    assert {"ApiKey": []} in orders["post"]["security"]
    assert {"OAuth2ClientCredentials": []} in schema["paths"]["/api/whoami/"]["get"]["security"]


def scopes_of(*permissions, method="GET", **view_attributes):
    view = SimpleNamespace(get_permissions=lambda: [p() for p in permissions], **view_attributes)
    return operation_scopes(SimpleNamespace(view=view, method=method))


def test_composed_permissions_give_alternatives_or_unions():
    either = require_scopes("a") | require_scopes("b")
    both = require_scopes("a") & require_scopes("b")
    assert scopes_of(either) == [frozenset({"a"}), frozenset({"b"})]
    assert scopes_of(both, IsAuthenticated) == [frozenset({"a", "b"})]
    assert scopes_of(HasScopes, method="POST", required_scopes={"POST": ["w"]}) == [frozenset({"w"})]
    assert scopes_of(IsAuthenticated) == [frozenset()]


def test_openapi_31_lists_scopes_for_every_scheme(api_client, monkeypatch):
    monkeypatch.setattr(spectacular_settings, "OAS_VERSION", "3.1.0")
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert {"ApiKey": ["orders:read"]} in schema["paths"]["/api/orders/"]["get"]["security"]
    validate(schema)


def test_swagger_ui_assets_are_served_locally(api_client):
    page = api_client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert api_client.get("/api/docs/").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_conforms_to_its_schema(live_server, make_api_key):
    _, key = make_api_key(scopes=["orders:read", "orders:write"])
    api = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]

    @given(case=api.as_strategy())
    @settings(max_examples=40, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(base_url=live_server.url, headers={"X-API-Key": key}, checks=checks)

    call()

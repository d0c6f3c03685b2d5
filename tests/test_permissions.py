"""Scope permissions: declared per view and per method, composable, fail closed."""

import pytest
from django.urls import path
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from m2m_auth.permissions import HasScopes, require_scopes

pytestmark = pytest.mark.django_db


class Deny(BasePermission):
    def has_permission(self, request, view):
        return False


def view(permission_classes, required_scopes=None, **attrs):
    attrs.update(permission_classes=permission_classes, get=lambda self, request: Response({"ok": True}))
    attrs["post"] = attrs["get"]
    if required_scopes is not None:
        attrs["required_scopes"] = required_scopes
    return type("ScopedView", (APIView,), attrs).as_view()


urlpatterns = [
    path("read", view([HasScopes], ["orders:read"])),
    path("both", view([HasScopes], ("orders:read", "orders:write"))),
    path("per-method", view([HasScopes], {"GET": "orders:read", "POST": ["orders:write"]})),
    path("undeclared", view([HasScopes])),
    path("empty", view([HasScopes], [])),
    path("fixed", view([require_scopes("orders:write")], ["orders:read"])),
    path("or", view([require_scopes("orders:write") | require_scopes("orders:read")])),
    path("and", view([require_scopes("orders:read") & Deny])),
    path("not", view([~require_scopes("orders:write")])),
    path("public", view([AllowAny])),
    path("session", view([HasScopes], ["orders:read"], authentication_classes=[SessionAuthentication])),
]


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def reader(make_api_key):
    return {"HTTP_X_API_KEY": make_api_key(scopes=["orders:read"])[1]}


def test_missing_scope_is_403_with_insufficient_scope_challenge(api_client, reader):
    response = api_client.get("/both", **reader)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="orders:read orders:write"'
    assert response.json()["error"] == "insufficient_scope"
    assert response.json()["required_scopes"] == ["orders:read", "orders:write"]


def test_enough_scopes_pass(api_client, reader):
    assert api_client.get("/read", **reader).status_code == 200


def test_scopes_per_method_and_head_follows_get(api_client, reader):
    assert api_client.get("/per-method", **reader).status_code == 200
    assert api_client.head("/per-method", **reader).status_code == 200
    assert api_client.post("/per-method", **reader).status_code == 403


def test_a_view_that_declares_nothing_is_refused(api_client, reader):
    assert api_client.get("/undeclared", **reader).status_code == 403


def test_method_missing_from_the_mapping_is_refused(api_client, reader):
    assert api_client.delete("/per-method", **reader).status_code in (403, 405)
    assert api_client.options("/per-method", **reader).status_code == 403


def test_empty_declaration_needs_only_a_valid_credential(api_client, reader):
    assert api_client.get("/empty", **reader).status_code == 200
    assert api_client.get("/empty").status_code == 401


def test_permission_scopes_override_the_views(api_client, reader):
    assert api_client.get("/fixed", **reader).status_code == 403


def test_composition_with_or_and_not(api_client, reader):
    assert api_client.get("/or", **reader).status_code == 200
    assert api_client.get("/and", **reader).status_code == 403
    assert api_client.get("/not", **reader).status_code == 200


def test_not_denies_a_credential_that_holds_the_scope(api_client, make_api_key):
    _, key = make_api_key(scopes=["orders:write"])
    response = api_client.get("/not", HTTP_X_API_KEY=key)
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


def test_no_credential_is_401_not_403(api_client):
    response = api_client.get("/read")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_bad_credential_never_falls_through_to_anonymous(api_client):
    response = api_client.get("/public", HTTP_X_API_KEY="m2m_ak_garbage")
    assert response.status_code == 401


def test_session_user_is_authorized_by_their_role_scopes(client, make_user):
    client.force_login(make_user(scopes=["orders:read"]))
    assert client.get("/session").status_code == 200
    client.force_login(make_user(scopes=["orders:write"]))
    assert client.get("/session").status_code == 403

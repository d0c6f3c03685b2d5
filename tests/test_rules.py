"""One set of rules, whichever entry point is used: model kinds, names, role kinds, held scopes."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from m2m_auth import audit, hashing, issuing, rbac
from m2m_auth.exceptions import InvalidInput, NotPermitted
from m2m_auth.models import SECRET_MODELS, ApiKey, ApiResource, Application, ClientSecret, PersonalAccessToken, Role
from m2m_auth.models.names import normalize_name

from .conftest import unique

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model, kind, prefix", [
    (ApiKey, "api_key", "m2m_ak_"), (PersonalAccessToken, "personal_access_token", "m2m_pat_"),
    (ClientSecret, "client_secret", "m2m_cs_"),
])
def test_each_secret_model_knows_its_kind_and_prefix(model, kind, prefix):
    assert model in SECRET_MODELS and model.object_kind == kind
    assert hashing.prefix(kind) == prefix
    assert hashing.kind_of(prefix + "anything") == kind


def test_the_audit_kind_comes_from_the_model(make_role):
    role, app = make_role(), Application(name="a", client_id="c")
    assert audit.target_of(role)[0] == "role" and audit.target_of(app)[0] == "application"
    assert audit.target_of(ApiResource(identifier="https://x", name="x"))[0] == "api_resource"


def test_create_with_secret_returns_the_plaintext_once_and_stores_its_hash(make_user):
    user = make_user()
    token, plaintext = PersonalAccessToken.objects.create_with_secret(user=user, name="t")
    stored = PersonalAccessToken.objects.get(pk=token.pk)
    assert plaintext.startswith(f"m2m_pat_{stored.public_id}_")
    assert hashing.matches(plaintext, stored.secret_hash) and plaintext not in stored.secret_hash


@pytest.mark.parametrize("raw, clean", [("  billing  ", "billing"), ("a b", "a b"), ("é" * 100, "é" * 100)])
def test_names_are_normalised_alike(raw, clean):
    assert normalize_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "x" * 101, "two\nlines", "tab\there", "nul\x00"])
def test_bad_names_are_refused_alike(raw):
    with pytest.raises(InvalidInput):
        normalize_name(raw)


def test_every_flow_strips_names_the_same_way(make_user):
    suffix = unique("n")
    role = rbac.create_role(f"  role-{suffix} ", "machine", ["orders:read"])
    resource = rbac.create_resource(f"https://{suffix}.local", f" Res {suffix} ")
    key, _ = issuing.create_api_key(f" key-{suffix} ")
    app, _ = issuing.create_application(f" app-{suffix} ")
    token, _ = issuing.create_personal_access_token(make_user(), f" pat-{suffix} ")
    assert [role.name, resource.name, key.name, app.name, token.name] == [
        f"role-{suffix}", f"Res {suffix}", f"key-{suffix}", f"app-{suffix}", f"pat-{suffix}"]


def test_a_machine_role_held_by_a_key_cannot_become_a_user_role(make_role, make_api_key):
    role = make_role(kind="machine")
    make_api_key(roles=[role.name])
    role.kind = "user"
    with pytest.raises(ValidationError, match="held by API keys"):
        role.full_clean()
    with pytest.raises(NotPermitted, match="held by API keys"):
        rbac.update_role(Role.objects.get(pk=role.pk), kind="user")
    assert Role.objects.get(pk=role.pk).kind == "machine"


def test_a_role_nobody_holds_may_change_kind(make_role):
    role = make_role(kind="machine")
    assert rbac.update_role(role, kind="user") == ["kind"]
    role.refresh_from_db()
    role.full_clean()
    assert role.kind == "user"


def test_the_admin_refuses_a_kind_change_of_a_held_role(admin_client, make_role, make_api_key):
    role = make_role(kind="machine", scopes=["orders:read"])
    make_api_key(roles=[role.name])
    url = reverse("admin:m2m_auth_role_change", args=[role.pk])
    response = admin_client.post(url, {"name": role.name, "kind": "user", "description": "",
                                       "permissions": list(role.permissions.values_list("pk", flat=True))})
    assert response.status_code == 200 and "held by API keys" in response.content.decode()
    assert Role.objects.get(pk=role.pk).kind == "machine"


def test_the_admin_refuses_a_pat_scope_its_user_does_not_hold(admin_client, make_pat):
    from m2m_auth.models import Permission

    token, _ = make_pat(scopes=["orders:read"])
    url = reverse("admin:m2m_auth_personalaccesstoken_change", args=[token.pk])
    wanted = Permission.objects.filter(scope__in=["orders:read", "orders:write"])
    response = admin_client.post(url, {"name": token.name, "scopes": [p.pk for p in wanted], "expires_at_0": "",
                                       "expires_at_1": ""})
    assert response.status_code == 200 and "does not hold scope: orders:write" in response.content.decode()
    assert list(token.scopes.values_list("scope", flat=True)) == ["orders:read"]


def test_the_prefixes_follow_a_vendor_change(settings):
    assert hashing.prefix("api_key") == "m2m_ak_"  # derived once, and remembered
    settings.M2M_AUTH = {**settings.M2M_AUTH, "VENDOR": "acme"}
    assert hashing.prefix("api_key") == "acme_ak_" and hashing.kind_of("acme_pat_x") == "personal_access_token"
    with pytest.raises(LookupError):
        hashing.prefix("no_such_kind")

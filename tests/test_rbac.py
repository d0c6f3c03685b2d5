"""RBAC flows validate before writing and leave an audit trail."""

import pytest
from django.core.exceptions import ValidationError

from m2m_auth import rbac
from m2m_auth.exceptions import Conflict, InvalidInput, NotFound, NotPermitted
from m2m_auth.models import ApiResource, AuditEvent, Role, RoleAssignment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "identifier, name, ttl",
    [("", "n", 900), (" https://x", "n", 900), ("https://" + "x" * 250, "n", 900), ("https://x", "", 900),
     ("https://x", "n" * 101, 900), ("https://x", "n", 0), ("https://x", "n", 2**31), ("https://x", "n", True)],
)
def test_bad_resource_fields_write_nothing(identifier, name, ttl):
    before = ApiResource.objects.count()
    with pytest.raises(InvalidInput):
        rbac.create_resource(identifier, name, ["x:read"], ttl)
    assert ApiResource.objects.count() == before


@pytest.mark.parametrize("identifier", ["not-a-url", "api.example.com", "/orders", "https://", "https:///x",
                                        "https://a.example#frag", "https://a example", "urn:x\x00"])
def test_a_resource_identifier_is_an_absolute_uri(identifier):
    with pytest.raises(InvalidInput, match="Invalid identifier"):
        rbac.create_resource(identifier, "n", [], 900)
    resource = ApiResource(identifier=identifier, name="n", token_ttl=900)
    with pytest.raises(ValidationError) as raised:
        resource.full_clean()
    assert "identifier" in raised.value.message_dict


@pytest.mark.parametrize("identifier", ["https://api.example.com", "http://localhost:8000/api", "urn:example:orders"])
def test_absolute_uris_are_identifiers(identifier):
    assert rbac.create_resource(identifier, identifier, [], 900).identifier == identifier


def test_scope_syntax_and_ownership_are_checked():
    with pytest.raises(InvalidInput):
        rbac.create_resource("https://a", "A", ["has space"])
    with pytest.raises(Conflict):
        rbac.create_resource("https://b", "B", ["orders:read"])  # the demo resource owns it


def test_resource_creation_is_audited():
    rbac.create_resource("https://inventory", "Inventory", ["stock:read"], actor="cli")
    event = AuditEvent.objects.get(target_kind="api_resource", target_id="https://inventory")
    assert (event.action, event.actor, event.detail["scopes"]) == ("create", "cli", ["stock:read"])


@pytest.mark.parametrize("name, kind, scopes, error", [
    ("", "user", [], InvalidInput), ("r" * 101, "user", [], InvalidInput),
    ("r", "robot", [], InvalidInput), ("r", "user", ["nope:read"], NotFound),
])
def test_bad_roles_write_nothing(name, kind, scopes, error):
    with pytest.raises(error):
        rbac.create_role(name, kind, scopes)
    assert not Role.objects.filter(name=name).exists()


def test_grant_and_ungrant_are_audited_once(make_user, make_role):
    user, role = make_user(), make_role(kind="user")
    rbac.grant_role(user.username, role.name, actor="cli")
    rbac.grant_role(user.username, role.name, actor="cli")
    assert rbac.user_scopes(user) == {"orders:read"}
    assert rbac.ungrant_role(user.username, role.name, actor="cli") is True
    assert rbac.ungrant_role(user.username, role.name, actor="cli") is False
    actions = list(AuditEvent.objects.filter(target_kind="role", target_id=role.name).values_list("action", flat=True))
    assert sorted(actions) == ["create", "grant", "ungrant"]
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_machine_role_cannot_be_granted_to_a_user(make_user, make_role):
    with pytest.raises(NotPermitted):
        rbac.grant_role(make_user().username, make_role(kind="machine").name)


def test_unknown_user_and_role(make_role):
    with pytest.raises(NotFound):
        rbac.grant_role("nobody", make_role().name)
    with pytest.raises(NotFound):
        rbac.resolve_roles(["nope"], "user")

"""``m2m apply``: a refused file changes nothing; the same file twice changes nothing."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from m2m_auth import declarative, rbac
from m2m_auth.exceptions import InvalidInput
from m2m_auth.models import ApiResource, Permission, Role

from .conftest import unique

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        sorted(ApiResource.objects.values_list("identifier", "name", "token_ttl")),
        sorted(Permission.objects.values_list("scope", "resource__identifier")),
        sorted(Role.objects.values_list("name", "kind")),
        sorted(Role.permissions.through.objects.values_list("role__name", "permission__scope")),
    )


@pytest.fixture
def apply(tmp_path):
    """Writes ``content`` (JSON-encoded unless bytes or str) to a file and applies it."""

    def run(content) -> str:
        path = tmp_path / f"{unique('file')}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content))
        out = StringIO()
        call_command("m2m", "apply", str(path), stdout=out)
        return out.getvalue()

    return run


RESOURCE = {"identifier": "https://apply.example.local", "name": "Apply example", "token_ttl": 600, "scopes": ["apply:read", "apply:write"]}
ROLE = {"name": "apply-service", "kind": "machine", "scopes": ["apply:read", "orders:read"]}
EXAMPLE = {"resources": [RESOURCE], "roles": [ROLE, {"name": "apply-viewer", "kind": "user"}]}
OTHER = {"identifier": "https://other.example.local", "name": "Other example"}


@pytest.fixture
def example() -> dict:
    return copy.deepcopy(EXAMPLE)


REFUSED = {
    "malformed JSON": b"{not json",
    "not UTF-8": b"\xff\xfe not utf-8",
    "not an object": "[1, 2]",
    "number too long": '{"resources": [{"identifier": "x", "name": "X", "token_ttl": 1' + "0" * 5000 + "}]}",
    "nesting too deep": "[" * 100_000,
    "resources not a list": {"resources": {}},
    "resource not an object": {"resources": ["https://x.local"]},
    "unknown top key": {"resorces": []},
    "unknown resource key": {"resources": [{**RESOURCE, "colour": "blue"}]},
    "missing identifier": {"resources": [{"name": "X"}]},
    "missing name": {"resources": [{"identifier": "https://x.local"}]},
    "identifier not a string": {"resources": [{**RESOURCE, "identifier": 7}]},
    "empty identifier": {"resources": [{**RESOURCE, "identifier": ""}]},
    "empty name": {"resources": [{**RESOURCE, "name": ""}]},
    "token_ttl a string": {"resources": [{**RESOURCE, "token_ttl": "900"}]},
    "token_ttl a boolean": {"resources": [{**RESOURCE, "token_ttl": True}]},
    "token_ttl zero": {"resources": [{**RESOURCE, "token_ttl": 0}]},
    "token_ttl too large": {"resources": [{**RESOURCE, "token_ttl": 2**31}]},
    "token_ttl a fraction": {"resources": [{**RESOURCE, "token_ttl": 9.5}]},
    "scopes a string": {"resources": [{**RESOURCE, "scopes": "a:read"}]},
    "scopes of numbers": {"resources": [{**RESOURCE, "scopes": [1]}]},
    "bad scope": {"resources": [{**RESOURCE, "scopes": ["bad scope"]}]},
    "identifier twice": {"resources": [RESOURCE, {**RESOURCE, "name": "Other", "scopes": []}]},
    "name twice": {"resources": [RESOURCE, {**OTHER, "name": RESOURCE["name"]}]},
    "scope twice": {"resources": [RESOURCE, {**OTHER, "scopes": ["apply:read"]}]},
    "scope of another resource": {"resources": [RESOURCE, {**OTHER, "scopes": ["orders:read"]}]},
    "name of another resource": {"resources": [RESOURCE, {**OTHER, "name": "Demo API"}]},
    "bad kind": {"resources": [RESOURCE], "roles": [{**ROLE, "kind": "robot"}]},
    "missing kind": {"resources": [RESOURCE], "roles": [{"name": "r"}]},
    "empty role name": {"resources": [RESOURCE], "roles": [{**ROLE, "name": ""}]},
    "unknown role scope": {"resources": [RESOURCE], "roles": [{**ROLE, "scopes": ["nope:read"]}]},
    "role twice": {"resources": [RESOURCE], "roles": [ROLE, ROLE]},
}


@pytest.mark.parametrize("content", REFUSED.values(), ids=REFUSED.keys())
def test_refused_file_is_one_line_and_changes_nothing(apply, content):
    before = state()
    with pytest.raises(CommandError) as raised:
        apply(content)
    assert "\n" not in str(raised.value)
    assert state() == before


def test_missing_file_and_directory_are_refused(tmp_path):
    for path in (tmp_path / "absent.json", tmp_path):
        with pytest.raises(InvalidInput, match="Cannot read"):
            declarative.apply_file(str(path))


def test_a_role_held_by_the_other_kind_keeps_its_kind(apply, example, make_role, make_user):
    existing = make_role(kind="user")
    rbac.grant_role(make_user().username, existing.name)
    example["roles"][0]["name"] = existing.name
    before = state()
    with pytest.raises(CommandError, match="held by users"):
        apply(example)
    assert state() == before


def test_a_role_nothing_holds_changes_kind_as_in_the_admin(apply, example, make_role):
    existing = make_role(kind="user")
    example["roles"][0]["name"] = existing.name
    apply(example)
    assert Role.objects.get(pk=existing.pk).kind == "machine"


def test_apply_creates_everything_then_changes_nothing(apply, example):
    first = apply(example)
    assert "created 3, updated 0, unchanged 0" in first
    resource = ApiResource.objects.get(identifier=example["resources"][0]["identifier"])
    assert resource.token_ttl == 600
    service = Role.objects.get(name=example["roles"][0]["name"])
    assert sorted(service.permissions.values_list("scope", flat=True)) == sorted(example["roles"][0]["scopes"])
    after_first = state()
    assert "created 0, updated 0, unchanged 3" in apply(example)
    assert state() == after_first


def test_apply_updates_what_differs_and_deletes_nothing(apply, example):
    apply(example)
    resource, service, viewer = example["resources"][0], example["roles"][0], example["roles"][1]
    changed = {
        "resources": [{**resource, "name": unique("Renamed"), "token_ttl": 60, "scopes": ["extra:scope"]}],
        "roles": [{**service, "scopes": ["extra:scope"]}, viewer],
    }
    printed = apply(changed)
    assert "created 0, updated 2, unchanged 1" in printed
    assert f"updated resource {resource['identifier']}" in printed
    stored = ApiResource.objects.get(identifier=resource["identifier"])
    assert (stored.name, stored.token_ttl) == (changed["resources"][0]["name"], 60)
    assert sorted(stored.permissions.values_list("scope", flat=True)) == sorted([*resource["scopes"], "extra:scope"])
    assert list(Role.objects.get(name=service["name"]).permissions.values_list("scope", flat=True)) == ["extra:scope"]


def test_keys_left_out_leave_attributes_as_they_are(apply, example):
    apply(example)
    resource, service = example["resources"][0], example["roles"][0]
    trimmed = {"resources": [{"identifier": resource["identifier"], "name": resource["name"]}], "roles": [{**service}]}
    del trimmed["roles"][0]["scopes"]
    before = state()
    assert "created 0, updated 0, unchanged 2" in apply(trimmed)
    assert state() == before


def test_a_role_may_use_scopes_from_the_database(apply):
    name = unique("role")
    apply({"roles": [{"name": name, "kind": "user", "scopes": ["orders:write"]}]})
    assert list(Role.objects.get(name=name).permissions.values_list("scope", flat=True)) == ["orders:write"]


def test_an_empty_file_object_changes_nothing(apply):
    before = state()
    assert "created 0, updated 0, unchanged 0" in apply({})
    assert state() == before


def test_parse_reports_where_the_problem_is():
    with pytest.raises(InvalidInput, match=r"^Invalid file: resources\[1\]\.token_ttl: expected a whole number\.$"):
        declarative.parse({"resources": [{"identifier": "urn:a", "name": "A"}, {"identifier": "urn:b", "name": "B", "token_ttl": "x"}]})

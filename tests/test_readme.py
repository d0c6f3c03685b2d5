"""The README's examples work as written (the install recipe: test_recipe.py)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from m2m_auth.models import Permission

from .readme import block

pytestmark = pytest.mark.django_db


def apply(path) -> str:
    out = StringIO()
    call_command("m2m", "apply", str(path), stdout=out)
    return out.getvalue()


def test_the_apply_example_applies_to_the_demo_database_and_again_changes_nothing(tmp_path):
    path = tmp_path / "rbac.json"
    path.write_text(block("example:apply"))
    example = json.loads(path.read_text())
    assert "created 3, updated 0, unchanged 0" in apply(path)
    assert "created 0, updated 0, unchanged 3" in apply(path)
    identifier = example["resources"][0]["identifier"]
    assert sorted(Permission.objects.filter(resource__identifier=identifier).values_list("scope", flat=True)) == sorted(
        example["resources"][0]["scopes"]
    )


def test_a_scope_of_another_resource_is_refused_with_its_owner_named(tmp_path):
    path = tmp_path / "clash.json"
    clash = {"identifier": "https://clash.example.com", "name": "Clash", "scopes": ["clash:read", "orders:read"]}
    path.write_text(json.dumps({"resources": [clash]}))
    with pytest.raises(CommandError, match=r"orders:read \(of https://api\.demo\.local\)\. A scope names one API"):
        apply(path)
    assert not Permission.objects.filter(scope="clash:read").exists()


def test_the_recipe_settings_need_nothing_that_a_new_project_lacks():
    """A new project's settings.py defines INSTALLED_APPS and BASE_DIR, and imports Path."""
    from pathlib import Path

    namespace = {"INSTALLED_APPS": ["django.contrib.admin"], "BASE_DIR": Path("."), "Path": Path}
    exec(compile(block("recipe:settings"), "README.md recipe:settings", "exec"), namespace)
    assert namespace["INSTALLED_APPS"][-3:] == ["rest_framework", "oauth2_provider", "m2m_auth"]
    assert namespace["M2M_AUTH"]["JWT_AUDIENCE"]

"""``manage.py m2m``: bad input first (one line, exit 1, nothing changed), then each verb."""

import importlib.metadata
import json
from datetime import datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connections

from m2m_auth import hashing, revoking
from m2m_auth.models import (
    ApiKey,
    ApiResource,
    Application,
    AuditEvent,
    ClientSecret,
    Permission,
    PersonalAccessToken,
    Role,
    RoleAssignment,
)

from .conftest import unique

pytestmark = pytest.mark.django_db

MODELS = (ApiResource, Permission, Role, RoleAssignment, Application, ClientSecret, ApiKey, PersonalAccessToken, AuditEvent)


def m2m(*args: str) -> str:
    out = StringIO()
    call_command("m2m", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def m2m_json(*args: str):
    return json.loads(m2m(*args, "--json"))


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


@pytest.fixture
def shell(capsys, monkeypatch):
    """Runs ``manage.py m2m ...`` as a shell would: (exit status, stdout, stderr)."""
    # run_from_argv closes connections at the end; the test's transaction must survive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            ManagementUtility(["manage.py", "m2m", *args]).execute()
            status = 0
        except SystemExit as exit:
            status = exit.code
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def world(make_user, make_role, make_api_key, make_pat):
    """Existing names and secrets for the error cases to collide with."""
    user = make_user(scopes=["orders:read"])
    app_name = unique("app")
    m2m("app", "create", app_name)
    key, key_secret = make_api_key()
    revoked_key = make_api_key()[0]
    revoking.revoke(revoked_key)
    return SimpleNamespace(
        username=user.username,
        user_role=make_role(kind="user").name,
        machine_role=make_role(kind="machine").name,
        key_name=key.name,
        key_secret=key_secret,
        revoked_key=revoked_key.public_id,
        pat_secret=make_pat()[1],
        app_name=app_name,
    )


ERRORS_OF_MEANING = [
    ("apikey", "create", "k", "--scope", "nope:read"),
    ("apikey", "create", "k", "--scope", "orders:read", "--scope", "two\nlines"),
    ("apikey", "create", "k", "--role", "no-such-role"),
    ("apikey", "create", "k", "--role", "{user_role}"),
    ("apikey", "create", "k", "--expires-in", "5y"),
    ("apikey", "create", "k", "--expires-in", "0s"),
    ("apikey", "create", "{key_name}"),
    ("apikey", "create", "   "),
    ("pat", "create", "nobody", "t"),
    ("pat", "create", "{username}", "t", "--scope", "orders:write"),
    ("pat", "create", "{username}", "t", "--scope", "nope:read"),
    ("pat", "create", "{username}", "t", "--expires-in", "400d"),
    ("pat", "create", "{username}", "t", "--expires-in", "soon"),
    ("app", "create", "{app_name}"),
    ("app", "create", "a", "--role", "{user_role}"),
    ("app", "create", "a", "--role", "no-such-role"),
    ("apikey", "revoke", "nope"),
    ("pat", "revoke", "nope"),
    ("app", "revoke", "999999"),
    ("app", "revoke", "no-such-client"),
    ("resource", "create", "https://api.demo.local", "--name", "Other"),
    ("resource", "create", "https://new.local", "--name", "Demo API"),
    ("resource", "create", "https://new.local", "--name", "N", "--scope", "orders:read"),
    ("resource", "create", "https://new.local", "--name", "N", "--scope", "bad scope"),
    ("resource", "create", "https://new.local", "--name", "N", "--token-ttl", "abc"),
    ("resource", "create", "https://new.local", "--name", "N", "--token-ttl", "0"),
    ("resource", "create", "https://new.local", "--name", "N", "--token-ttl", "-5"),
    ("resource", "create", "https://new.local", "--name", "N", "--token-ttl", "1.5"),
    ("resource", "create", "https://new.local", "--name", "N", "--token-ttl", "2147483648"),
    ("resource", "create", "https://new.local", "--name", "N", "--token-ttl", "99999999999"),
    ("resource", "create", "", "--name", "N"),
    ("resource", "create", "not-a-url", "--name", "N"),
    ("resource", "create", "https://" + "x" * 250, "--name", "N"),
    ("resource", "create", "https://new.local", "--name", ""),
    ("resource", "create", "https://new.local", "--name", "n" * 101),
    ("role", "create", "r", "--kind", "robot"),
    ("role", "create", "{machine_role}", "--kind", "machine"),
    ("role", "create", "r", "--kind", "user", "--scope", "nope:read"),
    ("role", "create", "", "--kind", "user"),
    ("role", "create", "r" * 101, "--kind", "user"),
    ("user", "grant", "nobody", "--role", "{user_role}"),
    ("user", "grant", "{username}", "--role", "no-such-role"),
    ("user", "grant", "{username}", "--role", "{machine_role}"),
    ("user", "revoke", "nobody", "--role", "{user_role}"),
    ("user", "revoke", "{username}", "--role", "no-such-role"),
    ("apply", "/no/such/file.json"),
    ("apikey", "revoke", "m2m_ak_notAKey_0000"),
    ("apikey", "revoke", "{pat_secret}"),
    ("apikey", "revoke", "nul\x00byte"),
    ("app", "revoke", "9" * 30),
    ("app", "update", "9" * 30, "--active"),
    ("pat", "revoke", "n" * 500),
    ("pat", "revoke", "{key_secret}"),
    ("app", "revoke", "{key_secret}"),
    ("apikey", "roll", "nope"),
    ("apikey", "roll", "{key_name}", "--overlap", "soon"),
    ("apikey", "roll", "{revoked_key}"),
    ("apikey", "list", "--expiring", "7 days"),
    ("pat", "list", "--expiring", "0d"),
    ("app", "list", "--expiring", "1y"),
    ("app", "update", "no-such-client", "--add-role", "{machine_role}"),
    ("app", "update", "{app_name}", "--add-role", "no-such-role"),
    ("app", "update", "{app_name}", "--add-role", "{user_role}"),
    ("app", "update", "{app_name}", "--add-role", "{machine_role}", "--remove-role", "{machine_role}"),
    ("app", "update", "{app_name}", "--description", "x" * 201),
    ("app", "update", "{app_name}", "--description", "two\nlines"),
    ("role", "update", "no-such-role", "--add-scope", "orders:read"),
    ("role", "update", "{machine_role}", "--add-scope", "nope:read"),
    ("role", "update", "{machine_role}", "--remove-scope", "nope:read"),
    ("role", "update", "{machine_role}", "--add-scope", "orders:write", "--remove-scope", "orders:write"),
]


@pytest.mark.parametrize("args", ERRORS_OF_MEANING)
def test_error_of_meaning_is_one_line_exit_1_and_changes_nothing(shell, world, args):
    before = row_counts()
    status, out, err = shell(*(arg.format(**vars(world)) for arg in args))
    assert (status, out) == (1, "")
    assert err.startswith("CommandError: ") and err.endswith("\n") and err.count("\n") == 1
    assert world.key_secret not in err and world.pat_secret not in err
    assert row_counts() == before


@pytest.mark.parametrize("args", ERRORS_OF_MEANING[:8])
def test_error_of_meaning_is_a_command_error_under_call_command(world, args):
    with pytest.raises(CommandError) as raised:
        m2m(*(arg.format(**vars(world)) for arg in args))
    assert "\n" not in str(raised.value)


SYNTAX_ERRORS = [
    (),
    ("frob",),
    ("apikey",),
    ("apikey", "frob"),
    ("apikey", "create"),
    ("apikey", "create", "k", "--bogus"),
    ("resource", "create", "https://new.local"),
    ("role", "create", "r"),
    ("user", "grant", "someone"),
    ("pat", "create", "someone"),
    ("apply",),
    ("rotate-secret",),
    ("app", "rotate-secret"),
    ("signing-key",),
    ("signing-key", "rotate", "--algorithm"),
    ("apikey", "roll"),
    ("apikey", "roll", "k", "--overlap"),
    ("app", "update"),
    ("app", "update", "c", "--active", "--inactive"),
    ("role", "update"),
    ("notify-expiring", "extra"),
]


@pytest.mark.parametrize("args", SYNTAX_ERRORS)
def test_syntax_error_exits_2_from_a_shell(shell, args):
    before = row_counts()
    status, out, err = shell(*args)
    assert (status, out) == (2, "")
    assert "usage:" in err and "error:" in err
    assert row_counts() == before


@pytest.mark.parametrize("args", SYNTAX_ERRORS)
def test_syntax_error_is_a_command_error_under_call_command(args):
    with pytest.raises(CommandError, match="^Error: "):
        m2m(*args)


def test_resource_create_and_list():
    identifier, name = f"https://{unique('api')}.local", unique("Resource")
    printed = m2m("resource", "create", identifier, "--name", name, "--scope", "cli:b", "--scope", "cli:a", "--token-ttl", "60")
    assert identifier in printed
    resource = ApiResource.objects.get(identifier=identifier)
    assert (resource.name, resource.token_ttl) == (name, 60)
    listed = {row["identifier"]: row for row in m2m_json("resource", "list")}
    assert listed[identifier] == {
        "identifier": identifier,
        "name": name,
        "token_ttl": 60,
        "scopes": ["cli:a", "cli:b"],
        "created_at": resource.created_at.replace(microsecond=0).isoformat(),
    }
    assert listed["https://api.demo.local"]["scopes"] == ["orders:read", "orders:write"]


def test_resource_token_ttl_defaults_to_900():
    identifier = f"https://{unique('api')}.local"
    m2m("resource", "create", identifier, "--name", unique("Resource"))
    assert ApiResource.objects.get(identifier=identifier).token_ttl == 900


def test_role_create_and_list():
    name = unique("role")
    m2m("role", "create", name, "--kind", "machine", "--scope", "orders:write", "--scope", "orders:read")
    (row,) = [row for row in m2m_json("role", "list") if row["name"] == name]
    assert row["kind"] == "machine" and row["scopes"] == ["orders:read", "orders:write"]
    assert set(row) == {"name", "kind", "scopes", "created_at"}


def test_user_grant_and_revoke_are_idempotent(make_user, make_role):
    user, role = make_user(), make_role(kind="user")
    assert "holds role" in m2m("user", "grant", user.username, "--role", role.name)
    m2m("user", "grant", user.username, "--role", role.name)
    assert RoleAssignment.objects.filter(user=user, role=role).count() == 1
    assert "Took role" in m2m("user", "revoke", user.username, "--role", role.name)
    assert "did not hold" in m2m("user", "revoke", user.username, "--role", role.name)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_apikey_from_create_json_authenticates_until_revoked(api_client, shell, make_role):
    role = make_role(kind="machine", scopes=["orders:write"])
    status, out, err = shell("apikey", "create", unique("key"), "--scope", "orders:read", "--role", role.name, "--json")
    assert (status, err) == (0, "")
    created = json.loads(out)
    assert set(created) == {"id", "name", "key", "expires_at"}
    assert ApiKey.objects.get(public_id=created["id"]).created_by == "cli"
    whoami = api_client.get("/api/whoami/", HTTP_X_API_KEY=created["key"])
    assert whoami.status_code == 200
    assert whoami.json()["credential_id"] == created["id"]
    assert whoami.json()["scopes"] == ["orders:read", "orders:write"]
    assert "Revoked" in m2m("apikey", "revoke", created["id"], "--reason", "leaked")
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=created["key"]).status_code == 401
    event = AuditEvent.objects.get(action="revoke", target_id=created["id"])
    assert (event.actor, event.detail["reason"]) == ("cli", "leaked")


def test_revoking_twice_says_so_and_exits_0(shell, make_api_key):
    key, _ = make_api_key()
    assert shell("apikey", "revoke", key.public_id)[0] == 0
    revoked_at = ApiKey.objects.get(pk=key.pk).revoked_at
    status, out, err = shell("apikey", "revoke", key.public_id)
    assert (status, err) == (0, "") and "already revoked" in out
    assert ApiKey.objects.get(pk=key.pk).revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="revoke", target_id=key.public_id).count() == 1


def test_apikey_create_without_json_prints_the_key_and_a_warning(api_client):
    lines = m2m("apikey", "create", unique("key"), "--scope", "orders:read").splitlines()
    key = next(line for line in lines if line.startswith("m2m_ak_"))
    assert any("not be shown again" in line for line in lines)
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200


def test_apikey_expires_in(clock):
    created = m2m_json("apikey", "create", unique("key"), "--expires-in", "12h")
    assert ApiKey.objects.get(public_id=created["id"]).expires_at == clock.now + timedelta(hours=12)
    assert created["expires_at"] == (clock.now + timedelta(hours=12)).replace(microsecond=0).isoformat()


def test_pat_from_create_json_authenticates_as_its_user_until_revoked(api_client, make_user):
    user = make_user(scopes=["orders:read"])
    created = m2m_json("pat", "create", user.username, unique("laptop"), "--scope", "orders:read", "--expires-in", "30d")
    assert set(created) == {"id", "name", "user", "token", "expires_at"}
    bearer = {"HTTP_AUTHORIZATION": "Bearer " + created["token"]}
    whoami = api_client.get("/api/whoami/", **bearer)
    assert whoami.status_code == 200
    assert (whoami.json()["username"], whoami.json()["credential_id"]) == (user.username, created["id"])
    m2m("pat", "revoke", created["id"])
    assert api_client.get("/api/whoami/", **bearer).status_code == 401
    assert PersonalAccessToken.objects.get(public_id=created["id"]).revoked_by == "cli"


def test_app_create_json_holds_a_working_client_secret(make_role):
    role = make_role(kind="machine")
    created = m2m_json("app", "create", unique("app"), "--role", role.name)
    assert set(created) == {"id", "name", "client_id", "client_secret"}
    app = Application.objects.get(pk=int(created["id"]))
    assert app.client_id == created["client_id"] and app.created_by == "cli"
    assert list(app.roles.all()) == [role]
    (secret,) = app.secrets.all()
    assert hashing.matches(created["client_secret"], secret.secret_hash)


@pytest.mark.parametrize("ident", ["id", "client_id"])
def test_app_revoke_by_id_or_client_id_disables_it_and_its_credentials(ident, api_client, make_api_key):
    created = m2m_json("app", "create", unique("app"))
    app = Application.objects.get(pk=int(created["id"]))
    _, key = make_api_key(application=app)
    m2m("app", "revoke", created[ident], "--reason", "retired")
    app.refresh_from_db()
    assert not app.is_active
    assert not app.secrets.active().exists() and not app.api_keys.active().exists()
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401
    assert "already revoked" in m2m("app", "revoke", created[ident])


def test_apikey_list_json_has_statuses_times_and_no_secrets(clock, make_role):
    role = make_role(kind="machine")
    active = m2m_json("apikey", "create", unique("key"), "--scope", "orders:write", "--scope", "orders:read", "--role", role.name)
    expired = m2m_json("apikey", "create", unique("key"), "--expires-in", "1h")
    revoked = m2m_json("apikey", "create", unique("key"))
    m2m("apikey", "revoke", revoked["id"])
    clock.advance(2 * 3600)
    listing = m2m("apikey", "list", "--json")
    rows = {row["id"]: row for row in json.loads(listing)}
    for created in (active, expired, revoked):
        assert created["key"] not in listing
    assert "hmac-sha256" not in listing
    assert [rows[c["id"]]["status"] for c in (active, expired, revoked)] == ["active", "expired", "revoked"]
    row = rows[active["id"]]
    assert set(row) == {"id", "name", "status", "scopes", "roles", "application", "expires_at", "rolled_to",
                        "last_used_at", "created_at"}
    assert (row["scopes"], row["roles"], row["application"]) == (["orders:read", "orders:write"], [role.name], None)
    assert datetime.fromisoformat(rows[expired["id"]]["expires_at"]).utcoffset() == timedelta(0)


def test_pat_list_json_names_the_user_and_last_use(api_client, make_user):
    user = make_user(scopes=["orders:read"])
    created = m2m_json("pat", "create", user.username, unique("pat"), "--scope", "orders:read")
    api_client.get("/api/whoami/", HTTP_AUTHORIZATION="Bearer " + created["token"])
    listing = m2m("pat", "list", "--json")
    (row,) = [row for row in json.loads(listing) if row["id"] == created["id"]]
    assert created["token"] not in listing
    assert (row["user"], row["status"], row["scopes"]) == (user.username, "active", ["orders:read"])
    assert row["last_used_at"] is not None and "roles" not in row


def test_app_list_json_shows_roles_scopes_and_status(make_role):
    role = make_role(kind="machine", scopes=["orders:read"])
    created = m2m_json("app", "create", unique("app"), "--role", role.name)
    m2m("app", "revoke", created["client_id"])
    listing = m2m("app", "list", "--json")
    (row,) = [row for row in json.loads(listing) if row["id"] == created["id"]]
    assert created["client_secret"] not in listing
    assert row["client_id"] == created["client_id"] and row["status"] == "inactive"
    assert (row["roles"], row["scopes"]) == ([role.name], ["orders:read"])


@pytest.mark.parametrize("noun", ["resource", "role", "apikey", "pat", "app"])
def test_list_without_json_is_an_aligned_table(noun, make_api_key, make_pat):
    make_api_key(name="a-rather-long-key-name")
    make_pat()
    m2m("app", "create", unique("app"))
    header, *rows = m2m(noun, "list").splitlines()
    assert header.startswith(("ID", "NAME", "IDENTIFIER")) and rows
    second = header.index(header.split()[1])
    assert all(row[second - 2 : second] == "  " and row[second] != " " for row in rows)


def test_create_json_from_a_shell_is_exactly_one_json_object(shell, make_role):
    role = make_role(["orders:read"], kind="machine")
    status, out, err = shell("app", "create", unique("app"), "--role", role.name, "--json")
    assert (status, err) == (0, "")
    assert isinstance(json.loads(out), dict)


def test_an_app_without_a_role_is_created_with_a_warning(shell, make_role):
    status, out, err = shell("app", "create", "lonely", "--json")
    assert status == 0 and json.loads(out)["client_id"]
    assert err.startswith("Warning: 'lonely' has no role that gives it a scope") and err.count("\n") == 1
    assert "--add-role ROLE" in err
    empty_role = make_role([], kind="machine")
    assert "Warning" in shell("app", "create", "still-lonely", "--role", empty_role.name)[2]


def test_version_is_m2m_auths(shell):
    status, out, _ = shell("--version")
    assert (status, out.strip()) == (0, importlib.metadata.version("m2m-auth"))

"""``manage.py m2m``: revoking by id, name or secret, rolling, updating, expiring, notifying."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test.utils import override_settings

from m2m_auth import issuing, revoking
from m2m_auth.models import ApiKey, Application, AuditEvent, PersonalAccessToken, Role

from .conftest import unique
from .test_command import m2m, m2m_json, shell  # noqa: F401  (the shell fixture)
from .test_expiry import MAIL_TO_OPS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("by", ["id", "name", "secret"])
def test_apikey_revoke_by_id_name_or_full_key_never_echoes_the_key(by, shell, api_client):
    created = m2m_json("apikey", "create", unique("billing"), "--scope", "orders:read")
    status, out, err = shell("apikey", "revoke", created[{"id": "id", "name": "name", "secret": "key"}[by]])
    assert (status, err) == (0, "") and created["key"] not in out
    assert f"{created['name']!r} (id {created['id']})" in out
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=created["key"]).status_code == 401


@pytest.mark.parametrize("by", ["id", "name", "secret"])
def test_pat_revoke_by_id_name_or_full_token(by, shell, make_user):
    user = make_user(scopes=["orders:read"])
    created = m2m_json("pat", "create", user.username, unique("laptop"), "--scope", "orders:read")
    status, out, err = shell("pat", "revoke", created[{"id": "id", "name": "name", "secret": "token"}[by]])
    assert (status, err) == (0, "") and created["token"] not in out
    assert PersonalAccessToken.objects.get(public_id=created["id"]).is_revoked


def test_a_pat_name_several_users_share_is_refused(shell, make_pat):
    make_pat(name="shared-name")
    make_pat(name="shared-name")
    status, out, err = shell("pat", "revoke", "shared-name")
    assert status == 1 and "give its id" in err
    assert not PersonalAccessToken.objects.revoked().exists()


@pytest.mark.parametrize("by", ["id", "client_id", "name", "client_secret"])
def test_app_revoke_by_id_client_id_name_or_a_client_secret(by, shell):
    created = m2m_json("app", "create", unique("app"))
    status, out, err = shell("app", "revoke", created[by])
    assert (status, err) == (0, "") and created["client_secret"] not in out
    assert not Application.objects.get(client_id=created["client_id"]).is_active


def test_revoke_json_is_one_line_and_says_whether_it_revoked(shell, make_api_key):
    key, _ = make_api_key()
    first, second = shell("apikey", "revoke", key.name, "--json"), shell("apikey", "revoke", key.name, "--json")
    assert first[1].count("\n") == 1
    assert json.loads(first[1]) == {"id": key.public_id, "name": key.name, "revoked": True}
    assert json.loads(second[1])["revoked"] is False


def test_apikey_roll_json_gives_a_working_key_and_keeps_the_old_one_for_the_overlap(clock, api_client, make_role):
    role = make_role(kind="machine", scopes=["orders:write"])
    old = m2m_json("apikey", "create", unique("key"), "--role", role.name)
    rolled = m2m_json("apikey", "roll", old["name"], "--overlap", "2h")
    assert set(rolled) == {"id", "name", "key", "expires_at", "rolled_from", "rolled_from_expires_at"}
    assert (rolled["name"], rolled["rolled_from"]) == (old["name"], old["id"])
    assert rolled["rolled_from_expires_at"] == (clock.now + timedelta(hours=2)).replace(microsecond=0).isoformat()
    for key in (old["key"], rolled["key"]):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).json()["scopes"] == ["orders:write"]
    clock.advance(3 * 3600)
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=old["key"]).status_code == 401
    rows = {row["id"]: row for row in m2m_json("apikey", "list")}
    assert rows[old["id"]]["rolled_to"] == rolled["id"] and rows[rolled["id"]]["rolled_to"] is None


def test_apikey_roll_without_json_prints_the_key_and_the_old_keys_end(make_api_key):
    key, _ = make_api_key()
    lines = m2m("apikey", "roll", key.public_id).splitlines()
    assert "works until" in lines[0] and lines[1].startswith("m2m_ak_") and "not be shown again" in lines[2]


def test_list_expiring_shows_only_what_runs_out_within(make_api_key, make_pat):
    soon_key, late_key = make_api_key(expires_in=timedelta(days=3))[0], make_api_key(expires_in=timedelta(days=30))[0]
    soon_pat = make_pat(expires_in=timedelta(days=3))[0]
    make_pat(expires_in=timedelta(days=30))
    soon_app, _ = issuing.create_application(unique("app"))
    issuing.add_client_secret(soon_app, expires_in=timedelta(days=3))
    issuing.create_application(unique("app"))
    assert [row["id"] for row in m2m_json("apikey", "list", "--expiring", "7d")] == [soon_key.public_id]
    assert [row["id"] for row in m2m_json("pat", "list", "--expiring", "7d")] == [soon_pat.public_id]
    (app_row,) = m2m_json("app", "list", "--expiring", "7d")
    assert app_row["client_id"] == soon_app.client_id and app_row["expires_at"] is not None
    assert {late_key.public_id, soon_key.public_id} <= {row["id"] for row in m2m_json("apikey", "list")}


def test_app_update_changes_roles_and_description(shell, make_role):
    first = make_role(kind="machine", scopes=["orders:read"])
    second = make_role(kind="machine", scopes=["orders:write"])
    created = m2m_json("app", "create", unique("app"), "--role", first.name)
    status, out, err = shell("app", "update", created["client_id"], "--add-role", second.name, "--remove-role",
                             first.name, "--description", " nightly billing ", "--json")
    assert (status, err) == (0, "") and out.count("\n") == 1
    row = json.loads(out)
    assert (row["roles"], row["scopes"], row["changed"]) == ([second.name], ["orders:write"], ["roles", "description"])
    app = Application.objects.get(client_id=created["client_id"])
    assert app.description == "nightly billing"
    assert AuditEvent.objects.filter(action="update", target_id=app.client_id).exists()
    assert "nothing changed" in m2m("app", "update", created["client_id"], "--add-role", second.name)


def test_app_update_inactive_suspends_its_keys_and_active_restores_them(api_client, make_api_key):
    created = m2m_json("app", "create", unique("app"))
    app = Application.objects.get(client_id=created["client_id"])
    _, key = make_api_key(application=app)
    m2m("app", "update", app.client_id, "--inactive")
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401
    statuses = {row["client_id"]: row["status"] for row in m2m_json("app", "list")}
    assert statuses[app.client_id] == "inactive" and not app.api_keys.revoked().exists()
    m2m("app", "update", app.name, "--active")
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
    assert {row["client_id"]: row["status"] for row in m2m_json("app", "list")}[app.client_id] == "active"


def test_role_update_adds_and_removes_scopes_for_every_holder(api_client, make_role, make_api_key):
    role = make_role(kind="machine", scopes=["orders:read"])
    _, key = make_api_key(scopes=(), roles=[role.name])
    row = m2m_json("role", "update", role.name, "--add-scope", "orders:write", "--remove-scope", "orders:read")
    assert (row["scopes"], row["changed"]) == (["orders:write"], ["scopes"])
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).json()["scopes"] == ["orders:write"]
    assert "Nothing to change" in m2m("role", "update", role.name, "--add-scope", "orders:write")
    assert sorted(Role.objects.get(pk=role.pk).permissions.values_list("scope", flat=True)) == ["orders:write"]


@override_settings(M2M_AUTH=MAIL_TO_OPS)
def test_notify_expiring_mails_once_per_credential(shell, make_api_key):
    key, _ = make_api_key(expires_in=timedelta(days=3))
    status, out, err = shell("notify-expiring", "--json")
    assert (status, err) == (0, "") and out.count("\n") == 1
    assert json.loads(out) == {"announced": [{"kind": "api_key", "id": key.public_id, "name": key.name,
                                              "expires_at": key.expires_at.replace(microsecond=0).isoformat()}],
                               "failed": []}
    assert "Announced 0" in shell("notify-expiring")[1]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@example.com"]


JSON_COMMANDS = [
    ("resource", "list"), ("role", "list"), ("apikey", "list"), ("pat", "list"), ("app", "list"),
    ("signing-key", "list"), ("signing-key", "rotate"), ("apikey", "create", "{new}"), ("apikey", "roll", "{key}"),
    ("apikey", "revoke", "{key}"), ("app", "create", "{new}", "--role", "{role}"),
    ("app", "rotate-secret", "{client_id}"), ("app", "update", "{client_id}", "--description", "d"),
    ("role", "update", "{role}", "--add-scope", "orders:read"), ("notify-expiring",),
    ("pat", "list", "--expiring", "7d"), ("resource", "create", "https://{new}.local", "--name", "{new}"),
    ("role", "create", "{new}", "--kind", "user"), ("user", "grant", "{user}", "--role", "{user_role}"),
    ("user", "revoke", "{user}", "--role", "{user_role}"), ("apply", "{file}"), ("pat", "revoke", "{pat}"),
]


@pytest.mark.parametrize("args", JSON_COMMANDS)
def test_every_json_output_is_exactly_one_line(args, shell, tmp_path, make_api_key, make_role, make_pat):
    token, _ = make_pat()
    key, _ = make_api_key(expires_in=timedelta(days=2))
    app, _ = issuing.create_application(unique("app"))
    (tmp_path / "spec.json").write_text(json.dumps({"roles": [{"name": unique("applied"), "kind": "user"}]}))
    names = {"new": unique("new"), "key": key.public_id, "client_id": app.client_id, "pat": token.public_id,
             "role": make_role(kind="machine").name, "user_role": make_role(kind="user").name,
             "user": token.user.username, "file": tmp_path / "spec.json"}
    status, out, err = shell(*(arg.format(**names) for arg in args), "--json")
    assert (status, err) == (0, "")
    assert out.count("\n") == 1 and out.endswith("\n") and json.loads(out) is not None


def test_revoking_a_rolled_keys_name_revokes_the_new_key(make_api_key):
    key, _ = make_api_key()
    new, _ = issuing.roll_api_key(key)
    assert revoking.find_api_key(key.name) == new
    m2m("apikey", "revoke", key.name)
    assert ApiKey.objects.get(pk=new.pk).is_revoked and not ApiKey.objects.get(pk=key.pk).is_revoked


def test_revoking_by_the_secret_of_a_revoked_key_says_it_already_was(make_api_key):
    key, secret = make_api_key()
    revoking.revoke(key)
    printed = m2m("apikey", "revoke", secret)
    assert "already revoked" in printed and secret not in printed

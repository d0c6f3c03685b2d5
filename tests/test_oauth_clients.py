"""Client secret rotation with an overlap window, and JWKS registration."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command
from jwt.algorithms import RSAAlgorithm

from m2m_auth import issuing, revoking
from m2m_auth.exceptions import InvalidInput, NotPermitted
from m2m_auth.models import Application, AuditEvent
from m2m_auth.oauth import client_auth, clients

pytestmark = pytest.mark.django_db


def public_jwk(**extra):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), **extra}, key


def secret_works(app, secret):
    form = {"client_id": app.client_id, "client_secret": secret}
    return client_auth.authenticate_client("", form, None, []).application == app


def test_rotation_keeps_the_old_secret_until_the_overlap_ends(clock):
    app, old = issuing.create_application("rotating")
    _, new = clients.rotate_client_secret(app, actor="test")
    assert secret_works(app, old) and secret_works(app, new)
    clock.advance(7 * 24 * 3600 + 1)
    assert not secret_works(app, old) and secret_works(app, new)
    assert AuditEvent.objects.filter(action="rotate", target_id=app.client_id).exists()


def test_rotation_never_extends_an_earlier_expiry(clock):
    app, _ = issuing.create_application("short")
    first = app.secrets.get()
    first.expires_at = clock.now + timedelta(hours=1)
    first.save()
    clients.rotate_client_secret(app)
    first.refresh_from_db()
    assert first.expires_at == clock.now + timedelta(hours=1)


def test_disabled_application_cannot_rotate():
    app, _ = issuing.create_application("off")
    revoking.disable_application(app)
    with pytest.raises(NotPermitted):
        clients.rotate_client_secret(app)


@pytest.mark.parametrize(
    "jwks",
    [None, [], {}, {"keys": []}, {"keys": ["x"]}, {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]},
     {"keys": [{"kty": "RSA", "n": "bad"}]}],
)
def test_bad_jwks_are_refused(jwks):
    with pytest.raises(InvalidInput):
        clients.validate_jwks(jwks)


def test_private_key_in_jwks_is_refused():
    jwk, key = public_jwk()
    private = RSAAlgorithm.to_jwk(key, as_dict=True)
    with pytest.raises(InvalidInput, match="only public keys"):
        clients.validate_jwks({"keys": [private]})
    assert clients.validate_jwks({"keys": [jwk]}) == {"keys": [jwk]}


def test_jwks_url_must_be_https():
    with pytest.raises(InvalidInput, match="https"):
        clients.read_jwks("http://example.com/jwks.json")


def run(*args):
    out = StringIO()
    call_command("m2m", *args, stdout=out)
    return out.getvalue()


def test_cli_rotate_secret_prints_one_json_object():
    app, old = issuing.create_application("cli-rotating")
    record = json.loads(run("app", "rotate-secret", app.client_id, "--json"))
    assert record["client_id"] == app.client_id and record["client_secret"].startswith("m2m_cs_")
    assert secret_works(app, record["client_secret"]) and secret_works(app, old)


def test_cli_rotate_secret_of_unknown_app_fails():
    with pytest.raises(CommandError, match="Unknown application"):
        run("app", "rotate-secret", "nope")


def test_cli_app_create_with_jwks_file(tmp_path):
    jwk, _ = public_jwk(kid="k1")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    record = json.loads(run("app", "create", "with-keys", "--jwks", str(path), "--json"))
    assert Application.objects.get(client_id=record["client_id"]).jwks == {"keys": [jwk]}


def test_cli_app_create_with_a_bad_jwks_file_changes_nothing(tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read a JWKS"):
        run("app", "create", "nope-keys", "--jwks", str(path))
    with pytest.raises(CommandError, match="Cannot read a JWKS"):
        run("app", "create", "nope-keys", "--jwks", str(tmp_path / "missing.json"))
    assert not Application.objects.filter(name="nope-keys").exists()

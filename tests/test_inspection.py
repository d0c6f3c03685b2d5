"""``m2m inspect``: why a credential would be refused here, never printing the secret."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from m2m_auth import issuing, revoking
from m2m_auth.oauth import revocation
from m2m_auth.oauth.tokens import issue_access_token

from .oauth_helpers import DEMO_AUDIENCE, ISSUER, unverified

pytestmark = pytest.mark.django_db


def inspect(token: str) -> dict:
    out = StringIO()
    call_command("m2m", "inspect", token, "--json", stdout=out)
    assert token not in out.getvalue()
    return json.loads(out.getvalue())


def inspect_text(token: str) -> str:
    out = StringIO()
    call_command("m2m", "inspect", token, stdout=out)
    assert token not in out.getvalue()
    return out.getvalue()


def test_a_good_api_key_is_accepted_with_its_scopes(make_api_key):
    key, secret = make_api_key(scopes=["orders:read"])
    found = inspect(secret)
    assert found == {**found, "kind": "api_key", "public_id": key.public_id, "status": "active",
                     "scopes": ["orders:read"], "accepted": True, "reason": None}
    assert "verdict:        accepted here" in inspect_text(secret)


def test_revoked_key_says_so_and_what_to_do(make_api_key):
    key, secret = make_api_key()
    revoking.revoke(key, actor="test", reason="leaked in CI")
    found = inspect(secret)
    assert (found["accepted"], found["reason"], found["revoke_reason"]) == (False, "revoked", "leaked in CI")
    assert "issue a new one" in found["hint"]


@pytest.mark.parametrize("damage, reason", [(lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"), "malformed"),
                                            (lambda s: s[:-6] + "zzzzzz", "malformed")])
def test_mistyped_key_is_malformed(make_api_key, damage, reason):
    _, secret = make_api_key()
    assert inspect(damage(secret))["reason"] == reason


def test_unknown_and_foreign_values(make_api_key):
    key, secret = make_api_key()
    key.delete()
    assert inspect(secret)["reason"] == "unknown id"
    assert inspect("Token abcdef")["kind"] == "unknown"


def test_expired_pat_and_inactive_user(make_pat, clock):
    token, secret = make_pat()
    token.user.is_active = False
    token.user.save()
    assert inspect(secret)["reason"] == "user inactive"
    clock.advance(400 * 86400)
    assert inspect(secret)["status"] == "expired"


def test_key_class_missing_from_the_settings_is_the_reason(make_api_key, settings):
    _, secret = make_api_key()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": [
        "m2m_auth.authentication.JWTAuthentication"]}
    found = inspect(secret)
    assert found["reason"] == "ApiKeyAuthentication is not in REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']"


def test_client_secret_is_for_the_token_endpoint():
    _, secret = issuing.create_application("inspected")
    found = inspect(secret)
    assert (found["kind"], found["accepted"]) == ("client_secret", True)
    assert "token endpoint" in found["hint"]


def jwt_for(audience=DEMO_AUDIENCE, lifetime=300, issuer=ISSUER):
    return issue_access_token(issuer_id=issuer, client_id="c1", subject="c1", audience=audience,
                              scopes=["orders:read"], lifetime=lifetime)


def test_good_jwt_shows_header_and_claims():
    token = jwt_for()
    found = inspect(token)
    header, claims = unverified(token)
    assert (found["accepted"], found["header"], found["claims"]) == (True, header, claims)
    assert found["scopes"] == ["orders:read"] and found["public_id"] == claims["jti"]


@pytest.mark.parametrize("make, reason, hint", [
    (lambda: jwt_for(audience="https://other.example"), "audience", "JWT_AUDIENCE"),
    (lambda: jwt_for(lifetime=-3600), "expired", "fetch a new token"),
])
def test_jwt_failing_check_is_named(make, reason, hint):
    found = inspect(make())
    assert not found["accepted"] and reason in found["reason"].lower() and hint in found["hint"]


def test_jwt_from_another_issuer_and_revoked(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "ISSUER": "https://auth.example.com"}
    found = inspect(jwt_for())
    assert "issuer" in found["reason"].lower() and "https://auth.example.com" in found["hint"]
    token = jwt_for(issuer="https://auth.example.com")
    revocation.deny(unverified(token)[1])
    assert inspect(token)["reason"] == "revoked"


def test_token_read_from_stdin_and_text_report(make_api_key, monkeypatch):
    _, secret = make_api_key()
    monkeypatch.setattr("sys.stdin", StringIO(secret + "\n"))
    out = StringIO()
    call_command("m2m", "inspect", "-", stdout=out)
    assert "accepted here" in out.getvalue() and secret not in out.getvalue()


def test_right_id_wrong_secret(make_api_key):
    from m2m_auth.crypto import CHECKSUM_LENGTH, checksum

    _, secret = make_api_key()
    head = secret[:-CHECKSUM_LENGTH]
    forged_head = head[:-1] + ("A" if head[-1] != "A" else "B")
    assert inspect(forged_head + checksum(forged_head))["reason"] == "wrong secret"

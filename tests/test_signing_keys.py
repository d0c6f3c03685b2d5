"""Signing keys: encrypted at rest, rotated without failing a valid token."""

import json
from datetime import timedelta
from io import StringIO

import jwt
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from m2m_auth.models import AuditEvent, SigningKey
from m2m_auth.oauth import keys

pytestmark = pytest.mark.django_db
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def sign(key, **claims):
    return jwt.encode({"sub": "x", **claims}, keys.private_key(key), algorithm=key.algorithm,
                      headers={"kid": key.kid, "typ": "at+jwt"})


def verify(token):
    kid = jwt.get_unverified_header(token)["kid"]
    key = keys.verification_keys().get(kid)
    return key is not None and jwt.decode(token, key.key, algorithms=[key.algorithm_name])["sub"] == "x"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_each_algorithm_signs_and_verifies_with_pyjwt_and_joserfc(settings, algorithm):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_ALGORITHM": algorithm}
    key = keys.current_key()
    token = sign(key)
    assert key.algorithm == algorithm and verify(token)
    decoded = jose_jwt.decode(token, KeySet.import_key_set(keys.jwks()), algorithms=[algorithm])
    assert decoded.claims["sub"] == "x"


def test_the_private_part_is_encrypted_at_rest():
    key = keys.current_key()
    stored = SigningKey.objects.get(pk=key.pk).private_key_encrypted
    assert "PRIVATE KEY" not in stored
    assert not PRIVATE_MEMBERS & set(key.public_jwk)
    assert "PRIVATE" not in str(key) and stored not in str(key)


def test_configured_encryption_keys_rotate_with_multifernet(settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_KEY_ENCRYPTION_KEYS": [old]}
    key = keys.create_key(state="next")
    keys._decrypted.cache_clear()
    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_KEY_ENCRYPTION_KEYS": [new, old]}
    assert keys.private_key(key) is not None
    keys._decrypted.cache_clear()
    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_KEY_ENCRYPTION_KEYS": [new]}
    with pytest.raises(InvalidToken):
        keys.private_key(key)


def test_keys_made_before_encryption_keys_were_configured_stay_readable(settings):
    key = keys.create_key(state="next")
    keys._decrypted.cache_clear()
    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_KEY_ENCRYPTION_KEYS": [Fernet.generate_key()]}
    assert keys.private_key(key) is not None


def test_first_use_bootstraps_one_current_and_one_next_key():
    first = keys.current_key()
    assert keys.current_key() == first
    assert sorted(SigningKey.objects.values_list("state", flat=True)) == ["current", "next"]


def test_the_next_key_is_published_before_it_signs(clock):
    first = keys.current_key()
    upcoming = SigningKey.objects.get(state="next")
    assert upcoming.kid in keys.verification_keys()
    scheduled = keys.rotate()
    assert scheduled.kid == upcoming.kid and scheduled.state == "next"
    assert scheduled.activated_at == upcoming.created_at + keys.publication_delay()
    assert keys.current_key() == first
    clock.now = scheduled.activated_at
    assert keys.current_key().kid == upcoming.kid


def test_the_publication_delay_covers_the_advertised_jwks_lifetime(settings, client):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "JWKS_MAX_AGE": 120}
    assert "max-age=120" in client.get("/.well-known/jwks.json")["Cache-Control"]
    assert keys.publication_delay().total_seconds() > 120 + keys.jwks_cache_seconds()


def test_rotation_keeps_old_tokens_valid_and_retires_keys_no_token_needs(clock):
    first = keys.current_key()
    old_token = sign(first)
    second = keys.rotate()
    clock.now = second.activated_at
    assert keys.current_key() == second
    assert second.kid != first.kid and verify(old_token) and verify(sign(second))
    assert SigningKey.objects.get(pk=first.pk).state == "previous"
    clock.advance(900 + 31)
    assert keys.rotate().state == "current"  # its key was published long ago: it signs at once
    assert SigningKey.objects.get(pk=first.pk).state == "retired"
    assert first.kid not in {jwk["kid"] for jwk in keys.jwks()["keys"]}
    assert not verify(old_token)
    assert AuditEvent.objects.filter(action="rotate", target_kind="signingkey").count() == 2


def test_quick_rotations_never_sign_with_a_key_published_too_recently(clock):
    first = keys.current_key()
    scheduled = {keys.rotate().activated_at for _ in range(3)}
    assert len(scheduled) == 1 and keys.current_key() == first
    clock.now = scheduled.pop() - timedelta(seconds=1)
    assert keys.current_key() == first
    clock.advance(1)
    signing = keys.current_key()
    assert signing != first and signing.created_at + keys.publication_delay() <= clock.now
    assert SigningKey.objects.get(pk=first.pk).state == "previous"
    assert SigningKey.objects.filter(state="next").count() == 1


def test_a_rotation_to_another_algorithm_replaces_the_pending_one(clock):
    keys.current_key()
    pending = keys.rotate()
    replacement = keys.rotate("ES256")
    assert replacement.algorithm == "ES256" and replacement.activated_at >= clock.now + keys.publication_delay()
    assert SigningKey.objects.get(pk=pending.pk).state == "retired"
    clock.now = replacement.activated_at
    assert keys.current_key() == replacement


def test_verification_keys_need_no_query_when_warm():
    keys.current_key()
    keys.verification_keys()
    with CaptureQueriesContext(connection) as queries:
        keys.verification_keys()
    assert len(queries) == 0


def test_jwks_endpoint_publishes_public_keys_only(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and "max-age" in response["Cache-Control"]
    published = response.json()["keys"]
    assert len(published) == 2
    assert all(not PRIVATE_MEMBERS & set(jwk) and jwk["use"] == "sig" for jwk in published)
    assert client.post("/.well-known/jwks.json").status_code == 405


def test_jwks_publishes_the_first_keys_even_after_a_racing_worker_cached_the_empty_set(client):
    from m2m_auth import shared_cache

    keys.current_key()  # another worker bootstrapped...
    shared_cache.set(keys.CACHE_KEY, [], 60)  # ...after this one had read no keys and before it cached that
    assert len(client.get("/.well-known/jwks.json").json()["keys"]) == 2


def run(*args):
    out = StringIO()
    call_command("m2m", *args, stdout=out)
    return out.getvalue()


def test_cli_rotate_and_list():
    record = json.loads(run("signing-key", "rotate", "--algorithm", "ES256", "--json"))
    assert record["state"] == "next" and record["algorithm"] == "ES256" and record["signs_from"]
    assert "starts signing at" in run("signing-key", "rotate", "--algorithm", "ES256")
    listed = json.loads(run("signing-key", "list", "--json"))
    assert {row["kid"] for row in listed} >= {record["kid"]}
    assert all("private" not in json.dumps(row).lower() for row in listed)
    assert "KID" in run("signing-key", "list")


def test_cli_bad_algorithm_changes_nothing():
    keys.current_key()
    before = list(SigningKey.objects.values_list("kid", "state"))
    with pytest.raises(CommandError, match="Invalid --algorithm"):
        run("signing-key", "rotate", "--algorithm", "HS256")
    assert list(SigningKey.objects.values_list("kid", "state")) == before


def test_admin_rotates_from_its_own_page_even_before_the_first_key(admin_client):
    url = "/admin/m2m_auth/signingkey/"
    assert 'href="/admin/m2m_auth/signingkey/rotate/"' in admin_client.get(url).content.decode()
    page = admin_client.get(f"{url}rotate/").content.decode()
    assert "Rotate now" in page and "Rotated now, the new key signs from" in page
    assert not SigningKey.objects.exists()
    response = admin_client.post(f"{url}rotate/", follow=True)
    assert "starts signing at" in response.content.decode()
    current = SigningKey.objects.get(state="current")
    assert SigningKey.objects.filter(state="next", activated_at__isnull=False).count() == 1
    page = admin_client.get(f"{url}{current.pk}/change/").content.decode()
    assert current.private_key_encrypted not in page
    assert AuditEvent.objects.filter(action="rotate", actor="admin:admin").exists()


def test_view_only_staff_cannot_rotate(client, django_user_model):
    from django.contrib.auth.models import Permission as DjangoPermission

    viewer = django_user_model.objects.create_user("keyviewer", is_staff=True)
    viewer.user_permissions.set(DjangoPermission.objects.filter(codename="view_signingkey"))
    client.force_login(viewer)
    assert b"/rotate/" not in client.get("/admin/m2m_auth/signingkey/").content
    assert client.post("/admin/m2m_auth/signingkey/rotate/").status_code == 403
    assert not SigningKey.objects.exists()


def test_metadata_document(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == "http://testserver"
    assert metadata["token_endpoint"] == "http://testserver/oauth/token"
    assert metadata["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert metadata["introspection_endpoint"] == "http://testserver/oauth/introspect"
    assert metadata["revocation_endpoint"] == "http://testserver/oauth/revoke"
    assert "client_credentials" in metadata["grant_types_supported"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth",
        "self_signed_tls_client_auth"}
    assert {"orders:read", "orders:write", "m2m:introspect"} <= set(metadata["scopes_supported"])


def test_checks_for_signing_settings(settings):
    from m2m_auth.oauth.checks import check_oauth_settings, check_signing_key_encryption

    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_KEY_ENCRYPTION_KEYS": ["not-a-fernet-key"]}
    assert [m.id for m in check_oauth_settings()] == ["m2m_auth.E009"]
    settings.M2M_AUTH = {**settings.M2M_AUTH, "SIGNING_KEY_ENCRYPTION_KEYS": [], "SIGNING_ALGORITHM": "HS256"}
    assert [m.id for m in check_oauth_settings()] == ["m2m_auth.E013"]
    assert [m.id for m in check_signing_key_encryption()] == ["m2m_auth.W003"]

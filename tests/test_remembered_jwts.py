"""A worker remembers a JWT's verified claims under the freshness stamp; nothing it remembers
lets a token through that the next request should refuse (m2m_auth/oauth/verify.py)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from m2m_auth import freshness
from m2m_auth.models import RevokedToken, SigningKey
from m2m_auth.oauth import clients, keys, verify
from m2m_auth.oauth.remote_keys import remote_key_source

from . import certs
from .oauth_helpers import basic, bearer, request_token, unverified
from .outage_helpers import cache_down, database_down, forget_process_copies, service  # noqa: F401  (fixture)
from .test_mtls import PROXY, ca, mtls_settings, token_by_certificate, via_proxy  # noqa: F401  (fixtures)
from .test_remote_feed import one_round, remote, whoami  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(client, service):
    """A JWT of the service, accepted twice: its claims are remembered."""
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    assert [whoami(client, token).status_code for _ in range(2)] == [200, 200]
    return token


def revoked_elsewhere(token: str) -> None:
    """What another worker's revocation leaves: the row, and a new stamp."""
    claims = unverified(token)[1]
    expires_at = timezone.now() + timedelta(minutes=5)
    RevokedToken.objects.bulk_create([RevokedToken(jti=claims["jti"], client_id=claims["client_id"],
                                                   expires_at=expires_at)])  # no signal: no stamp from here


def test_remembered_claims_cost_no_query_and_no_verification(client, shared_redis, token, monkeypatch):
    monkeypatch.setattr(verify, "verify_access_token", None)  # a call would fail
    with CaptureQueriesContext(connection) as queries:
        assert whoami(client, token).status_code == 200
    assert len(queries) == 0


def test_revoked_in_this_worker(client, shared_redis, service, token):
    app, secret = service
    assert client.post("/oauth/revoke", {"token": token}, **basic(app.client_id, secret)).status_code == 200
    assert whoami(client, token).status_code == 401


def test_revoked_by_another_worker(client, shared_redis, token):
    revoked_elsewhere(token)
    freshness.changed()
    assert whoami(client, token).status_code == 401


def test_expired_on_the_next_request(client, shared_redis, token, settings, monkeypatch):
    expiry = unverified(token)[1]["exp"] + settings.M2M_AUTH.get("JWT_LEEWAY", 30)
    monkeypatch.setattr(verify, "time", SimpleNamespace(time=lambda: expiry - 1))
    assert whoami(client, token).status_code == 200
    monkeypatch.setattr(verify, "time", SimpleNamespace(time=lambda: expiry))
    assert whoami(client, token).status_code == 401


@pytest.mark.parametrize("retire", [
    lambda key: key.delete(),
    lambda key: SigningKey.objects.filter(pk=key.pk).update(state=SigningKey.State.RETIRED),
])
def test_refused_once_its_signing_key_is_gone(client, shared_redis, token, retire):
    retire(SigningKey.objects.get(kid=unverified(token)[0]["kid"]))
    freshness.changed()  # what a commit of the change does, on any worker
    assert whoami(client, token).status_code == 401


def test_a_rotation_retiring_the_key_is_seen_at_once(client, shared_redis, token, monkeypatch):
    signing = SigningKey.objects.get(kid=unverified(token)[0]["kid"])
    monkeypatch.setattr(keys, "longest_token_lifetime", lambda: timedelta(seconds=-3600))  # nothing needs it
    SigningKey.objects.filter(state=SigningKey.State.NEXT).update(activated_at=timezone.now())
    keys.current_key()  # promotes the next key; the old current one retires at once
    assert SigningKey.objects.get(pk=signing.pk).state == SigningKey.State.RETIRED
    assert whoami(client, token).status_code == 401


def test_a_bound_token_needs_its_certificate_on_every_request(client, shared_redis, mtls_settings, ca, service):
    app, _ = service
    good, other = certs.issue(ca, "billing"), certs.issue(ca, "someone-else")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    token = token_by_certificate(client, app, good).json()["access_token"]
    for _ in range(2):
        assert client.get("/api/whoami/", **bearer(token), **via_proxy(good)).status_code == 200
    assert client.get("/api/whoami/", **bearer(token), **via_proxy(other)).status_code == 401
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401


def test_a_process_local_cache_remembers_nothing(client, settings, token):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()  # what an earlier test left in this process's memory cache
    forget_process_copies()
    assert whoami(client, token).status_code == 200
    revoked_elsewhere(token)  # another worker: no shared cache to tell this one
    assert whoami(client, token).status_code == 401
    assert verify._remembered._entries == {}


def test_with_the_cache_down_the_database_answers(client, shared_redis, token):
    with cache_down():
        revoked_elsewhere(token)
        assert whoami(client, token).status_code == 401
        with database_down():
            assert whoami(client, token).status_code == 503


def test_remote_mode_refuses_a_revocation_from_the_feed_on_the_next_request(client, remote, service, monkeypatch):
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    one_round(remote)
    assert whoami(client, token).status_code == 200
    monkeypatch.setattr(verify, "verify_access_token", None)  # remembered: no verification, no cache call
    assert whoami(client, token).status_code == 200
    client.post("/oauth/revoke", {"token": token}, **basic(app.client_id, secret))
    one_round(remote)
    assert whoami(client, token).status_code == 401


def test_remote_mode_checks_again_when_the_issuers_keys_change(client, remote, service):
    app, secret = service
    token = request_token(client, app, secret).json()["access_token"]
    one_round(remote)
    assert whoami(client, token).status_code == 200
    SigningKey.objects.filter(kid=unverified(token)[0]["kid"]).delete()
    keys.forget_verification_keys()
    remote_key_source(remote.issuer)._refresh(0)  # the follower's thread, when the key set's max-age runs out
    assert whoami(client, token).status_code == 401

"""The one path that verifies a presented secret, and what it tells the log."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from m2m_auth import issuing, revoking, verification
from m2m_auth.models import ApiKey, PersonalAccessToken

from .oauth_helpers import ISSUER, basic, bearer, request_token
from .test_authentication import INVALID, _forge

pytestmark = pytest.mark.django_db
LOGGER = "m2m_auth.verification"


@pytest.fixture
def service(make_role):
    return issuing.create_application("verifier", roles=[make_role(["orders:read", "m2m:introspect"], kind="machine").name])


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("m2m_auth") and r.levelno == logging.INFO]


def test_a_good_key_is_accepted_with_one_query(make_api_key):
    obj, key = make_api_key()
    ApiKey.objects.filter(pk=obj.pk).update(last_used_at=obj.created_at + timedelta(days=3650))
    with CaptureQueriesContext(connection) as queries:
        verdict = verification.verify("api_key", key, "10.0.0.1")
    assert verdict.accepted and verdict.credential.pk == obj.pk and verdict.reason is None
    assert len(queries) == 1


@pytest.mark.parametrize("presented", [None, 42, "", "m2m_ak_\x00", "m2m_ak_" + "é" * 60])
def test_malformed_input_is_refused_without_a_query(presented):
    with CaptureQueriesContext(connection) as queries:
        verdict = verification.verify("api_key", presented, None)
    assert (verdict.accepted, verdict.reason, verdict.public_id, len(queries)) == (False, "malformed", None, 0)


@pytest.mark.parametrize("client_id", ["", "x", "A" * 23 + "\x00", "A" * 300])
def test_a_client_secret_with_a_malformed_client_id_is_refused_without_a_query(service, client_id):
    with CaptureQueriesContext(connection) as queries:
        verdict = verification.verify("client_secret", service[1], None, client_id=client_id)
    assert (verdict.reason, len(queries)) == ("malformed", 0)


def test_reasons(make_api_key, make_pat, service, clock):
    obj, key = make_api_key(expires_in=timedelta(hours=1))
    assert verification.verify("api_key", _forge(key, public_id="Z" * 12), None).reason == "unknown id"
    assert verification.verify("api_key", _forge(key, random_part="d" * 32), None).reason == "wrong secret"
    pat_obj, pat = make_pat()
    pat_obj.user.is_active = False
    pat_obj.user.save()
    assert verification.verify("personal_access_token", pat, None).reason == "user inactive"
    other, _ = issuing.create_application("other")
    assert verification.verify("client_secret", service[1], None, client_id=other.client_id).reason == (
        "secret of another client")
    assert verification.verify("client_secret", service[1], None, client_id=service[0].client_id).accepted
    clock.advance(3601)
    assert verification.verify("api_key", key, None).reason == "expired"
    revoking.revoke(obj)
    assert verification.verify("api_key", key, None).reason == "revoked"


def test_refusals_are_logged_at_info_by_public_id_and_answered_alike(client, make_api_key, caplog, clock):
    caplog.set_level(logging.INFO, logger="m2m_auth")
    obj, key = make_api_key(expires_in=timedelta(hours=1))
    wrong = _forge(key, random_part="e" * 32)
    answers = [client.get("/api/whoami/", HTTP_X_API_KEY=wrong)]
    clock.advance(3601)
    answers.append(client.get("/api/whoami/", HTTP_X_API_KEY=key))
    revoking.revoke(obj)
    answers.append(client.get("/api/whoami/", HTTP_X_API_KEY=key))
    assert {(a.status_code, a.content) for a in answers} == {(401, b'{"detail":"' + INVALID["detail"].encode() + b'"}')}
    logged = refusals(caplog)
    assert [reason.rsplit(": ", 1)[1] for reason in logged] == ["wrong secret", "expired", "revoked"]
    assert all(obj.public_id in line and key not in line and wrong not in line for line in logged)


def test_jwt_refusals_are_logged_with_their_reason(client, service, caplog, settings):
    caplog.set_level(logging.INFO, logger="m2m_auth")
    token = request_token(client, *service).json()["access_token"]
    settings.M2M_AUTH = {**settings.M2M_AUTH, "JWT_AUDIENCE": ["https://elsewhere"]}
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401
    settings.M2M_AUTH = {**settings.M2M_AUTH, "JWT_AUDIENCE": ["https://api.demo.local"], "ISSUER": ISSUER + "/other"}
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401
    logged = refusals(caplog)
    assert logged[-2].endswith(": wrong audience") and logged[-1].endswith(": wrong issuer")
    assert token not in caplog.text


def test_introspection_is_not_use(client, service, make_api_key, make_pat):
    key_obj, key = make_api_key()
    pat_obj, pat = make_pat()
    for token in (key, pat):
        body = client.post("/oauth/introspect", {"token": token}, **basic(service[0].client_id, service[1])).json()
        assert body["active"] is True
    assert ApiKey.objects.get(pk=key_obj.pk).last_used_at is None
    assert PersonalAccessToken.objects.get(pk=pat_obj.pk).last_used_at is None
    assert client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 200
    assert ApiKey.objects.get(pk=key_obj.pk).last_used_at is not None

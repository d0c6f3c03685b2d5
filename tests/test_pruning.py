"""``m2m prune``: expired deny-list rows and old audit events go, everything still needed stays."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from m2m_auth import pruning
from m2m_auth.models import AuditEvent, RevokedToken

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def revoked(jti: str, expires_in: float) -> None:
    RevokedToken.objects.create(jti=jti, client_id="c", expires_at=timezone.now() + timedelta(seconds=expires_in))


def event(age_days: float) -> None:
    AuditEvent.objects.create(action="revoke", target_kind="api_key", target_id="x",
                              created_at=timezone.now() - timedelta(days=age_days))


def test_prune_keeps_rows_a_token_may_still_need(monkeypatch):
    revoked("expired-long-ago", -3600)
    revoked("within-leeway", -5)  # verification still accepts it for JWT_LEEWAY seconds
    revoked("live", 600)
    monkeypatch.setattr(pruning, "BATCH", 1)
    assert pruning.prune()["revoked_tokens"] == 1
    assert set(RevokedToken.objects.values_list("jti", flat=True)) == {"within-leeway", "live"}


@override_settings(M2M_AUTH={"AUDIT_RETENTION": 30 * DAY})
def test_prune_deletes_audit_events_past_retention():
    for age in (400, 31, 29, 0):
        event(age)
    out = StringIO()
    call_command("m2m", "prune", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"revoked_tokens": 0, "audit_events": 2, "revocation_events": 0}
    assert AuditEvent.objects.count() == 2


@override_settings(M2M_AUTH={"AUDIT_RETENTION": None})
def test_without_retention_audit_events_stay():
    event(4000)
    out = StringIO()
    call_command("m2m", "prune", stdout=out)
    assert out.getvalue().strip() == "Deleted 0 expired deny-list rows, 0 revocation feed events and 0 audit events."
    assert AuditEvent.objects.count() == 1

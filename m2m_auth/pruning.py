"""Deleting what nothing needs any more: deny-list rows of expired tokens,
revocation feed events every follower may have forgotten, and audit events
past ``M2M_AUTH["AUDIT_RETENTION"]``.

Run by ``manage.py m2m prune`` (from cron), never on the request path. Rows
go in batches, so that a large backlog never holds long locks or meets a
statement timeout.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from . import feed
from .app_settings import app_settings
from .models import AuditEvent, RevokedToken

BATCH = 5000


def prune() -> dict[str, int]:
    """How many rows of each kind were deleted."""
    retention = app_settings.AUDIT_RETENTION
    old_events = AuditEvent.objects.none()
    if retention is not None:
        old_events = AuditEvent.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=retention))
    return {"revoked_tokens": _delete(RevokedToken.objects.expired()), "audit_events": _delete(old_events),
            "revocation_events": _delete(feed.forgotten_events())}


def _delete(rows: QuerySet) -> int:
    deleted = 0
    while batch := list(rows.values_list("pk", flat=True)[:BATCH]):
        deleted += rows.model.objects.filter(pk__in=batch).delete()[0]
    return deleted

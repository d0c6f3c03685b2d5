"""Coalesced last-used updates: at most one write per credential per interval.

The row's own ``last_used_at`` arrives with the lookup, so a fresh one costs
nothing; a stale one is updated with a conditional UPDATE, so that concurrent
workers racing on the same credential still write it only once.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .app_settings import app_settings
from .models import CredentialUsage
from .models.base import SecretCredential


def touch(credential: SecretCredential, address: str | None) -> bool:
    """Record a use, and the client's address, if the last record is older than the interval."""
    now = timezone.now()
    interval = timedelta(seconds=app_settings.LAST_USED_INTERVAL)
    if credential.last_used_at is not None and now - credential.last_used_at < interval:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - interval)
    updated = type(credential).objects.filter(stale, pk=credential.pk).update(
        last_used_at=now, last_used_from=address
    )
    # Written by us or, when nothing matched, by a racing worker within the interval: fresh either way.
    credential.last_used_at = now
    if updated:
        credential.last_used_from = address
        count_use(credential.object_kind, credential.public_id, now.date())
    return bool(updated)


def count_use(kind: str, public_id: str, day) -> None:
    """One more active interval today, for the usage charts."""
    row = CredentialUsage.objects.filter(kind=kind, public_id=public_id, day=day)
    if row.update(intervals=F("intervals") + 1):
        return
    try:
        with transaction.atomic():
            CredentialUsage.objects.create(kind=kind, public_id=public_id, day=day, intervals=1)
    except IntegrityError:  # another worker created today's row first
        row.update(intervals=F("intervals") + 1)

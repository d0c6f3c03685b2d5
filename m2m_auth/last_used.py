"""Coalesced last-used updates: at most one write per credential per interval.

The row's own ``last_used_at`` and ``recent_usage`` arrive with the lookup, so
a fresh use costs nothing. A stale one is a single UPDATE of the row (time,
address and the day's usage count together), conditional on ``last_used_at``
still being the value that was read: of workers racing on one credential, one
writes and the others write nothing, so the day's count goes up once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from . import recent_usage
from .app_settings import app_settings
from .models.base import SecretCredential

READ_FIELDS = ("last_used_at", "recent_usage")
WRITTEN_FIELDS = (*READ_FIELDS, "last_used_from")
_READ = frozenset(READ_FIELDS)


def touch(credential: SecretCredential, address: str | None, now: datetime | None = None) -> bool:
    """Record a use at ``now`` (by default, ``timezone.now()``), and the client's address, if the
    last record is older than the interval."""
    now = now or timezone.now()
    if not credential.__dict__.keys() >= _READ and not _reread(credential):
        return False  # a narrower lookup left them out, and the row is gone
    if _fresh(credential, now):
        return False
    if _claim(credential, now, address):
        return True
    # Another worker wrote first, or our copy was stale: the row's values decide, once.
    return _reread(credential) and not _fresh(credential, now) and _claim(credential, now, address)


def _fresh(credential: SecretCredential, now: datetime) -> bool:
    last = credential.last_used_at
    return last is not None and now - last < app_settings.derived(_interval)


def _interval(values: dict[str, Any]) -> timedelta:
    return timedelta(seconds=values["LAST_USED_INTERVAL"])


def _claim(credential: SecretCredential, now: datetime, address: str | None) -> bool:
    """The one write: only if the row's last_used_at is still the value this copy holds."""
    read = credential.last_used_at
    unchanged = {"last_used_at__isnull": True} if read is None else {"last_used_at": read}
    usage = recent_usage.counted(credential.recent_usage, now.date())
    written = type(credential).objects.filter(pk=credential.pk, **unchanged).update(
        last_used_at=now, last_used_from=address, recent_usage=usage
    )
    if written:
        credential.last_used_at, credential.last_used_from, credential.recent_usage = now, address, usage
    return bool(written)


def _reread(credential: SecretCredential) -> bool:
    """The row's last_used_at and recent_usage onto the object; False if the row is gone."""
    row = type(credential).objects.filter(pk=credential.pk).values_list(*READ_FIELDS).first()
    if row is None:
        return False
    credential.last_used_at, credential.recent_usage = row
    return True

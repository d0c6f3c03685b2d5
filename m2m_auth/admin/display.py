"""Short, readable values for lists and change pages: dates, statuses, scopes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _


def compact_time(moment) -> str:
    """``2026-12-04 16:45``: one short column instead of "Dec. 4, 2026, 4:45 p.m."."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def duration_text(delta: timedelta) -> str:
    """``1 week``, ``12 hours``: a window or an overlap in words."""
    now = timezone.now()
    return timesince(now, now + delta, depth=2)


def status_badge(credential):
    status = credential.status
    text = {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}[status]
    if status == "active" and credential.expires_at:
        text = _("active, expires in %s") % timeuntil(credential.expires_at)
    return format_html('<span class="m2m-status m2m-status-{}">{}</span>', status, text)


def scope_list(permissions):
    """Scopes as code chips, each titled with its resource."""
    return format_html_join(" ", '<code title="{}">{}</code>', (
        (permission.resource.name, permission.scope) for permission in permissions
    )) or "—"

"""A credential's use over the last days, drawn as an inline SVG bar chart."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import CredentialUsage

WIDTH, HEIGHT, GAP = 8, 40, 2


def usage_by_day(kind: str, public_id: str, days: int) -> list[tuple]:
    today = timezone.now().date()
    start = today - timedelta(days=days - 1)
    counts = dict(CredentialUsage.objects.filter(kind=kind, public_id=public_id, day__gte=start)
                  .values_list("day", "intervals"))
    return [(start + timedelta(days=n), counts.get(start + timedelta(days=n), 0)) for n in range(days)]


def usage_chart(kind: str, public_id: str, days: int = 30) -> SafeString:
    series = usage_by_day(kind, public_id, days)
    peak = max((count for _, count in series), default=0) or 1
    active = sum(1 for _, count in series if count)
    summary = _("Used on %(active)d of the last %(days)d days.") % {"active": active, "days": days}
    bars = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" rx="1"><title>{}: {}</title></rect>', (
        (n * (WIDTH + GAP), HEIGHT - _height(count, peak), WIDTH, _height(count, peak), day.isoformat(),
         _("%d active intervals") % count)
        for n, (day, count) in enumerate(series)
    ))
    width = days * (WIDTH + GAP)
    return format_html(
        '<figure class="m2m-usage"><svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'fill="#0b6bcb">{}</svg><figcaption>{}</figcaption></figure>',
        summary, width, HEIGHT, width, HEIGHT, bars, summary,
    )


def _height(count: int, peak: int) -> int:
    return 0 if not count else max(2, round(HEIGHT * count / peak))

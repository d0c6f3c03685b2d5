"""A credential's use over the last 30 days, drawn as an inline SVG bar chart with axes.

The counts come from the credential's own ``recent_usage`` text (see ``recent_usage.py``).
"""

from __future__ import annotations

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from .. import recent_usage
from ..app_settings import app_settings

LEFT, TOP, PLOT_HEIGHT, STEP, BAR = 40, 8, 80, 16, 12
LABELLED_DAYS = (0, 7, 14, 21, 29)


def usage_by_day(text: str, days: int) -> list[tuple]:
    """(day, count) for each of the last ``days`` days, today last."""
    start = timezone.now().date() - timedelta(days=days - 1)
    counts = recent_usage.by_day(text, start, days)
    return [(start + timedelta(days=n), count) for n, count in enumerate(counts)]


def usage_chart(text: str, days: int = 30) -> SafeString:
    """The chart of a credential's ``recent_usage`` text."""
    series = usage_by_day(text, days)
    peak = max(count for _, count in series) or 1
    bottom = TOP + PLOT_HEIGHT
    bars = [{"x": LEFT + n * STEP + (STEP - BAR) // 2, "y": bottom - _height(count, peak),
             "height": _height(count, peak), "day": day, "count": count,
             "label_x": LEFT + n * STEP + STEP // 2, "labelled": n in LABELLED_DAYS}
            for n, (day, count) in enumerate(series)]
    ticks = [{"value": value, "y": bottom - round(PLOT_HEIGHT * value / peak)} for value in sorted({0, peak // 2, peak})]
    context = {
        "bars": bars, "ticks": ticks, "days": days, "active": sum(1 for _, count in series if count),
        "first": series[0][0], "last": series[-1][0], "interval": app_settings.LAST_USED_INTERVAL,
        "left": LEFT, "right": LEFT + days * STEP, "top": TOP, "bottom": bottom,
        "width": LEFT + days * STEP + 12, "height": bottom + 22,
    }
    return SafeString(render_to_string("m2m_auth/admin/usage_chart.html", context))


def _height(count: int, peak: int) -> int:
    return 0 if not count else max(2, round(PLOT_HEIGHT * count / peak))

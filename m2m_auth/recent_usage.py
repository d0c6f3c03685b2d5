"""A credential's use over its last days, kept as text in its own row.

    "2025-03-14:7 2025-03-12:1"    newest day first, N = last-used intervals with use that day

The text rides in the row that the last-used write updates anyway, so the
usage chart costs no write of its own: a first use in an interval is one
UPDATE of that row. Only ``KEPT_DAYS`` days are kept, so the text stays short.
Entries that do not parse (a hand edit, a truncated value) are skipped, never
raised on: a chart's data must not break authentication.
"""

from __future__ import annotations

from datetime import date, timedelta

KEPT_DAYS = 31
MOST = 10**9  # far above a day's intervals; a larger count is garbage


def parse(text: object) -> dict[date, int]:
    """The counts by day; bad entries and repeated days (the first wins) are ignored."""
    counts: dict[date, int] = {}
    for entry in text.split() if isinstance(text, str) else ():
        day_text, _, count_text = entry.partition(":")
        try:
            day, count = date.fromisoformat(day_text), int(count_text)
        except ValueError:
            continue
        if 0 < count <= MOST:
            counts.setdefault(day, count)
    return counts


def counted(text: object, day: date) -> str:
    """``text`` with one more interval on ``day``, days older than ``KEPT_DAYS`` (or after ``day``) dropped."""
    counts = parse(text)
    counts[day] = counts.get(day, 0) + 1
    oldest = day - timedelta(days=KEPT_DAYS - 1)
    kept = sorted((each for each in counts if oldest <= each <= day), reverse=True)
    return " ".join(f"{each.isoformat()}:{counts[each]}" for each in kept)


def by_day(text: object, start: date, days: int) -> list[int]:
    """The count of each of ``days`` days from ``start`` on, 0 for a day without use."""
    counts = parse(text)
    return [counts.get(start + timedelta(days=n), 0) for n in range(days)]

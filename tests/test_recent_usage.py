"""The per-day usage text kept in a credential's row (m2m_auth/recent_usage.py)."""

from datetime import date, timedelta

import pytest

from m2m_auth.recent_usage import KEPT_DAYS, by_day, counted

DAY = date(2025, 3, 14)


def test_a_use_counts_on_its_day_newest_day_first():
    assert counted("", DAY) == "2025-03-14:1"
    assert counted("2025-03-14:1", DAY) == "2025-03-14:2"
    assert counted("2025-03-14:2 2025-03-12:7", DAY + timedelta(days=1)) == "2025-03-15:1 2025-03-14:2 2025-03-12:7"


def test_only_the_kept_days_are_kept():
    text = " ".join(f"{(DAY - timedelta(days=n)).isoformat()}:1" for n in range(40))
    kept = counted(text, DAY).split()
    assert len(kept) == KEPT_DAYS and kept[0] == "2025-03-14:2"
    assert kept[-1] == f"{(DAY - timedelta(days=KEPT_DAYS - 1)).isoformat()}:1"


@pytest.mark.parametrize("garbage", [None, 42, "garbage", ":::", "2025-02-30:4", "2025-03-13:-1", "2025-03-13:x",
                                     "2025-03-13:" + "9" * 5000, "2025-03-13:99999999999", "9999-12-31:3", "\u00b2:\u00b2"])
def test_bad_entries_are_ignored_good_ones_kept(garbage):
    assert counted(f"{garbage} 2025-03-13:2", DAY) == "2025-03-14:1 2025-03-13:2"
    assert by_day(garbage, DAY - timedelta(days=1), 2) == [0, 0]


def test_by_day_lists_every_day_from_start():
    assert by_day("2025-03-14:5 2025-03-12:1 2025-01-01:9", date(2025, 3, 11), 4) == [0, 1, 0, 5]

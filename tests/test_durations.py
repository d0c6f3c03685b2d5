from datetime import timedelta

import pytest

from m2m_auth.durations import parse_duration
from m2m_auth.exceptions import InvalidInput


@pytest.mark.parametrize(
    "text, expected",
    [("30s", timedelta(seconds=30)), ("90m", timedelta(minutes=90)), ("12h", timedelta(hours=12)), ("30d", timedelta(days=30))],
)
def test_valid_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "30", "d", "0d", "-1d", "1.5h", "30w", "30 d", "9999999d", "1e3s", "３０d"])
def test_invalid_durations(text):
    with pytest.raises(InvalidInput):
        parse_duration(text)

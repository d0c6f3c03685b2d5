from datetime import timedelta

import pytest

from m2m_auth.durations import describe, parse_duration
from m2m_auth.exceptions import InvalidInput, M2MAuthError


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


@pytest.mark.parametrize(
    "duration, words",
    [(366 * 86400, "366 days"), (timedelta(minutes=90), "1 hour 30 minutes"), (1, "1 second"), (0, "0 seconds"),
     (timedelta(days=1, seconds=61), "1 day 1 minute 1 second")],
)
def test_describe_says_durations_in_words(duration, words):
    assert describe(duration) == words


def test_pat_lifetime_refusal_is_in_days(db, django_user_model):
    from m2m_auth.issuing import create_personal_access_token

    user = django_user_model.objects.create_user(username="lifetime")
    with pytest.raises(M2MAuthError, match=r"at most 366 days\.$"):
        create_personal_access_token(user, "too long", expires_in=timedelta(days=400))

"""Usage is counted with the coalesced last-used write, and charted."""

from datetime import timedelta

import pytest

from m2m_auth.admin.usage import usage_by_day, usage_chart
from m2m_auth.models import ApiKey

pytestmark = pytest.mark.django_db


def test_each_coalesced_interval_counts_once(api_client, make_api_key, clock):
    obj, key = make_api_key()
    clock.now = clock.now.replace(hour=12)
    for _ in range(3):
        api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    clock.advance(61)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    text = ApiKey.objects.get(pk=obj.pk).recent_usage
    assert usage_by_day(text, 1) == [(clock.now.date(), 2)]


def test_the_chart_covers_every_day_and_summarizes(clock):
    today = clock.now.date()
    text = f"{today.isoformat()}:5 {(today - timedelta(days=40)).isoformat()}:9"
    series = usage_by_day(text, 30)
    assert len(series) == 30 and series[-1] == (today, 5) and sum(count for _, count in series) == 5
    chart = usage_chart(text)
    assert chart.count("<rect") == 30 and 'role="img"' in chart and "Used on 1 of the last 30 days." in chart


def test_an_idle_key_draws_empty_bars(make_api_key):
    obj, _ = make_api_key()
    assert "Used on 0 of the last 30 days." in usage_chart(obj.recent_usage)


def test_corrupt_usage_text_still_draws_a_chart(clock):
    chart = usage_chart(f"rubbish {clock.now.date().isoformat()}:3 2025-99-01:4 ::")
    assert chart.count("<rect") == 30 and "Used on 1 of the last 30 days." in chart

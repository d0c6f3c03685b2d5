"""Usage is counted with the coalesced last-used write, and charted."""

from datetime import timedelta

import pytest

from m2m_auth.admin.usage import usage_by_day, usage_chart
from m2m_auth.models import CredentialUsage

pytestmark = pytest.mark.django_db


def test_each_coalesced_interval_counts_once(api_client, make_api_key, clock):
    obj, key = make_api_key()
    for _ in range(3):
        api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    clock.advance(61)
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key)
    row = CredentialUsage.objects.get(kind="api_key", public_id=obj.public_id)
    assert (row.day, row.intervals) == (clock.now.date(), 2)


def test_the_chart_covers_every_day_and_summarizes(make_api_key, clock):
    obj, _ = make_api_key()
    today = clock.now.date()
    CredentialUsage.objects.create(kind="api_key", public_id=obj.public_id, day=today, intervals=5)
    CredentialUsage.objects.create(kind="api_key", public_id=obj.public_id, day=today - timedelta(days=40), intervals=9)
    series = usage_by_day("api_key", obj.public_id, 30)
    assert len(series) == 30 and series[-1] == (today, 5) and sum(count for _, count in series) == 5
    chart = usage_chart("api_key", obj.public_id)
    assert chart.count("<rect") == 30 and 'role="img"' in chart and "Used on 1 of the last 30 days." in chart


def test_an_idle_key_draws_empty_bars(make_api_key):
    obj, _ = make_api_key()
    assert "Used on 0 of the last 30 days." in usage_chart("api_key", obj.public_id)

"""The benchmark runs and computes every figure (a smoke run: no timing is asserted)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare import RATIOS
from bench.writes import CASES

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not os.environ.get("M2M_BENCH_SMOKE"), reason="set M2M_BENCH_SMOKE=1 (CI does)")


@pytest.fixture(scope="module")
def result():
    """bench.table's JSON: SQLite, and PostgreSQL with Django's defaults when DATABASE_URL is PostgreSQL."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    options = ["--smoke", "--no-prepared", "--json"]
    if env.get("DATABASE_URL", "").startswith("postgres"):
        env["BENCH_POSTGRES_URL"] = env["DATABASE_URL"] + "_bench"
    else:
        options.append("--no-postgres")
    done = subprocess.run([sys.executable, "-m", "bench.table", *options], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_database_ran(result):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    expected = ["SQLite", "PostgreSQL, Django defaults"] if on_postgres else ["SQLite"]
    assert list(result["runs"]) == expected
    assert result["failed"] == []
    assert {"date", "machine", "Python", "Django", "PostgreSQL", "Redis"} <= set(result["environment"])


def test_every_ratio_is_a_number(result):
    for run in result["runs"].values():
        labels = [row["ratio"] for row in run["ratios"]]
        assert labels[: len(RATIOS)] == [label for label, *_ in RATIOS]
        assert len(labels) == len(RATIOS) + 1  # and the scaling row
        for row in run["ratios"]:
            assert all(math.isfinite(row[key]) and row[key] >= 0 for key in ("median", "min", "max")), row


def test_the_writes_of_every_case_are_counted(result):
    for run in result["runs"].values():
        assert set(run["writes"]) == {"m2m-key", "m2m-pat", "m2m-token"}
        for cases in run["writes"].values():
            assert list(cases) == list(CASES)
        assert run["writes"]["m2m-key"]["repeat within the interval"] == []


def test_a_first_use_writes_the_credentials_own_row_once(result):
    own_table = {"m2m-key": "UPDATE apikey", "m2m-pat": "UPDATE personalaccesstoken", "m2m-token": "UPDATE clientsecret"}
    for run in result["runs"].values():
        for scheme, update in own_table.items():
            # without REDIS_URL the cache is the database's: its rows are not the credential's writes
            first_use = [write for write in run["writes"][scheme]["first use"] if not write.endswith(" cache")]
            assert first_use == [update], (scheme, run["writes"][scheme])


def test_a_key_costs_at_most_one_query_and_no_write_on_a_repeat(result):
    for run in result["runs"].values():
        assert run["queries"]["m2m-key"]["queries"] <= 1
        assert run["queries"]["m2m-key"]["writes"] == 0
        assert run["queries"]["m2m-jwt-remote"]["queries"] == 0
        # what the scaling ratio times: the one lookup a remembered key skips (the database cache's stamp read aside)
        assert run["queries"]["m2m-key-lookup"]["queries"] == run["queries"]["m2m-key"]["queries"] + 1

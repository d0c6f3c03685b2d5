"""The benchmark runs and computes every ratio (a smoke run: its figures are not asserted)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare import RATIOS

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not os.environ.get("M2M_BENCH_SMOKE"), reason="set M2M_BENCH_SMOKE=1 (CI does)")


def test_the_benchmark_runs_every_scheme_and_computes_every_ratio():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    if "DATABASE_URL" in env and not env["DATABASE_URL"].startswith("sqlite"):
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/m2m_bench_smoke"
    done = subprocess.run([sys.executable, "-m", "bench.compare", "--smoke", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    labels = [row["ratio"] for row in result["ratios"]]
    assert labels[: len(RATIOS)] == [label for label, *_ in RATIOS]
    assert all(row["median"] >= 0 for row in result["ratios"])
    assert result["queries"]["m2m-key"]["queries"] == 1
    assert result["queries"]["m2m-key"]["writes"] == 0
    assert result["queries"]["m2m-jwt-remote"]["queries"] == 0

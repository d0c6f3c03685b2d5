"""The whole benchmark in one command (``make bench``): SQLite and PostgreSQL side by side.

    .venv/bin/python -m bench.table                              # 100,000 credentials, 7 rounds
    .venv/bin/python -m bench.table --n 1000000 --http           # 1M credentials, gunicorn + wrk too
    .venv/bin/python -m bench.table --smoke --no-prepared --json # what CI runs

Runs ``bench.compare --json`` once per database, one after the other, each in
a process of its own: SQLite (a temporary file), PostgreSQL with Django's
default options (``<base>_defaults``) and with server-side prepared statements
(``<base>_prepared``), ``<base>`` from BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/m2m_bench); each run creates its ``test_``
database there and drops it. The cache is REDIS_URL's Redis when set (as in
production), else the database cache. Prints the combined tables under a
header naming the date, machine and versions. A missed goal is a result
(exit 0); a run that fails exits non-zero, after the runs that worked.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import environment, markdown

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/m2m_bench"


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help="stored credentials of each kind (bench.compare's default: 100000)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--requests", type=int, help="requests per scheme per round")
    parser.add_argument("--http", action="store_true", help="gunicorn + wrk throughput as well")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: it runs and computes every ratio (CI)")
    parser.add_argument("--no-prepared", action="store_true", help="skip PostgreSQL with prepared statements")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--json", action="store_true", help="one JSON object: the environment and every run's result")
    return parser.parse_args(argv)


def passed_on(args: argparse.Namespace) -> list[str]:
    """The options every bench.compare run gets."""
    options = [f"--{flag}" for flag in ("http", "smoke") if getattr(args, flag)]
    for name in ("n", "rounds", "requests"):
        if getattr(args, name) is not None:
            options += [f"--{name}", str(getattr(args, name))]
    return options


def planned_runs(args: argparse.Namespace, directory: str) -> list[tuple[str, str, list[str]]]:
    """(column title, DATABASE_URL, options of its own) for each run."""
    runs = [("SQLite", f"sqlite:///{directory}/bench.sqlite3", [])]
    if not args.no_postgres:
        runs.append(("PostgreSQL, Django defaults", f"{postgres_base()}_defaults", []))
        if not args.no_prepared:
            runs.append(("PostgreSQL, prepared statements", f"{postgres_base()}_prepared", ["--prepared"]))
    return runs


def postgres_base() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES


def run(title: str, database_url: str, options: list[str]) -> dict | None:
    """One database's result, or None when its run failed (its errors went to stderr)."""
    print(f"{title}: running bench.compare {' '.join(options)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.compare", "--json", *options], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": database_url}, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        print(f"{title}: failed (exit status {done.returncode})", file=sys.stderr, flush=True)
        return None
    print(f"{title}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory() as directory:
        runs = planned_runs(args, directory)
        results = {title: run(title, url, [*passed_on(args), *own]) for title, url, own in runs}
    done = {title: result for title, result in results.items() if result is not None}
    described = environment.describe(None if args.no_postgres else postgres_base(), os.environ.get("REDIS_URL"))
    if args.json:
        print(json.dumps({"environment": described, "runs": done, "failed": [t for t in results if t not in done]}))
    elif done:
        print(environment.header(described) + "\n\n" + markdown.render(done))
    return 0 if len(done) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

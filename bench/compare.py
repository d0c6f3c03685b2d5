"""m2m-auth against its peers, in one interleaved run. Prints the ratio table.

    .venv/bin/python -m bench.compare                      # SQLite (a file), Django's defaults
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/m2m_bench .venv/bin/python -m bench.compare
    ... --prepared     PostgreSQL with server-side prepared statements
    ... --http         gunicorn + wrk throughput as well (needs wrk)
    ... --smoke        tiny sizes: it runs and computes every ratio (CI)

One database per run; ``python -m bench.table`` (``make bench``) runs it on
SQLite and PostgreSQL and prints the combined table.

Each round times every scheme once, in a shuffled order, so that a busy
moment on a shared machine hits all of them alike; a scheme's overhead is its
time minus the bare view's time in the same round, and each ratio is taken
within a round. The table gives the median and the range over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, ours, theirs, goal, how): "overhead" compares time over the bare view
# (lower is better); "rate" compares requests per second (higher is better).
RATIOS = [
    ("m2m-auth API key / djangorestframework-api-key", "m2m-key", "drf-api-key", 0.3, "overhead"),
    ("m2m-auth PAT / djangorestframework-api-key", "m2m-pat", "drf-api-key", 0.3, "overhead"),
    ("m2m-auth JWT, local, with revocation check / simplejwt stateless RS256", "m2m-jwt", "simplejwt", 1.5, "overhead"),
    ("m2m-auth JWT, remote mode / simplejwt stateless RS256", "m2m-jwt-remote", "simplejwt", 1.1, "overhead"),
    ("token endpoint rate: m2m-auth / django-oauth-toolkit (plaintext secret)", "m2m-token", "dot-token", 2.0, "rate"),
]


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="stored credentials of each kind (default 100000)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="requests per scheme per round")
    parser.add_argument("--prepared", action="store_true", help="PostgreSQL server-side prepared statements")
    parser.add_argument("--http", action="store_true", help="gunicorn + wrk throughput against the bare view")
    parser.add_argument("--http-seconds", type=int, default=3, help="wrk's duration per scheme and round")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.rounds, args.requests, args.http_seconds = 50, 2, 5, 1
    return args


def setup_django(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.site.settings"
    if args.prepared:
        os.environ["BENCH_PREPARED"] = "1"  # read by the settings, here and in the gunicorn servers
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database["TEST"] = {"NAME": database["NAME"]}  # a file, as in production, not :memory:
    django.setup()


def create_database() -> str:
    from django.core.management import call_command
    from django.db import connection

    from django.core.cache import cache

    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    call_command("createcachetable", verbosity=0)
    cache.clear()  # nothing remembered from an earlier run's database
    return name


def per_request_us(replayer, scheme, n: int) -> float:
    with scheme.context():
        start = time.perf_counter()
        replayer.run(scheme, n)
        return (time.perf_counter() - start) / n * 1e6


def timed_rounds(replayer, schemes, rounds: int, n: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {scheme.name: [] for scheme in schemes}
    for _ in range(rounds):
        for scheme in random.sample(schemes, len(schemes)):
            times[scheme.name].append(per_request_us(replayer, scheme, n))
    return times


def warm_up(replayer, schemes) -> dict[str, dict]:
    """Every scheme answers 200 (else the figures mean nothing); its queries and writes per request."""
    from bench.writes import is_write, statements

    counts = {}
    for scheme in schemes:
        with scheme.context():
            replayer.run(scheme, 20)
            status, sent = statements(replayer, scheme)
        if not status.startswith("200"):
            raise SystemExit(f"{scheme.name}: {status}, expected 200")
        counts[scheme.name] = {"queries": len(sent), "writes": sum(map(is_write, sent))}
    return counts


def ratios(times: dict[str, list[float]]) -> list[dict]:
    rows = []
    for label, ours, theirs, goal, how in RATIOS:
        if how == "rate":
            per_round = [peer / mine for mine, peer in zip(times[ours], times[theirs])]
        else:
            per_round = overhead_ratios(times["bare"], times[ours], times[theirs])
        rows.append(summary(label, per_round, goal, how))
    return rows


def overhead_ratios(bare: list[float], ours: list[float], theirs: list[float]) -> list[float]:
    """Per round, our overhead over theirs; a round where theirs drowned in noise (<= 0) says nothing."""
    pairs = [(max(mine - base, 0.0), peer - base) for base, mine, peer in zip(bare, ours, theirs)]
    found = [mine / peer for mine, peer in pairs if peer > 0]
    if found:
        return found
    medians = [statistics.median(values) for values in (bare, ours, theirs)]
    return [max(medians[1] - medians[0], 0.0) / max(medians[2] - medians[0], 1.0)]


def summary(label: str, values: list[float], goal: float, how: str) -> dict:
    median = statistics.median(values)
    met = median >= goal if how == "rate" else median <= goal
    return {"ratio": label, "median": median, "min": min(values), "max": max(values), "goal": goal,
            "better": "higher" if how == "rate" else "lower", "met": met}


def scaling(replayer, scheme_by_name, rounds: int, n: int, grow) -> list[float]:
    """Per round, the API key lookup's overhead with the stored keys grown over its overhead before."""
    pair = [scheme_by_name["bare"], scheme_by_name["m2m-key-lookup"]]
    timed_rounds(replayer, pair, 1, n)  # untimed: each side starts warm
    before = timed_rounds(replayer, pair, rounds, n)
    grow()
    timed_rounds(replayer, pair, 1, n)
    after = timed_rounds(replayer, pair, rounds, n)
    one, grown = ([key - bare for bare, key in zip(t["bare"], t["m2m-key-lookup"])] for t in (before, after))
    return overhead_ratios([0.0] * len(one), grown, one)


def stage(name: str, since: float) -> float:
    """Progress on stderr (stdout is the result); returns now."""
    print(f"  {name}: {time.perf_counter() - since:.1f} s", file=sys.stderr, flush=True)
    return time.perf_counter()


def main(argv=None) -> None:
    args = arguments(argv)
    setup_django(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers, drop the database
    from django.db import connection

    from bench import bulk, markdown, writes
    from bench import schemes as bench_schemes

    clock = time.perf_counter()
    database = create_database()
    try:
        seeded = bench_schemes.seed()
        replayer = bench_schemes.Replayer()
        with bench_schemes.issuer_over_http() as remote_issuer:
            all_schemes = bench_schemes.schemes(seeded, remote_issuer)
            by_name = {scheme.name: scheme for scheme in all_schemes}
            warm_up(replayer, all_schemes)
            clock = stage("set-up", clock)
            grown = scaling(replayer, by_name, args.rounds, args.requests,
                            lambda: bulk.bulk_credentials(args.n))
            clock = stage(f"{args.n:,} credentials stored, with the scaling rounds", clock)
            counts = warm_up(replayer, all_schemes)
            times = timed_rounds(replayer, all_schemes, args.rounds, args.requests)
            clock = stage("timed rounds", clock)
        rows = ratios(times)
        rows.append(summary(f"m2m-auth API key lookup (not remembered) with {args.n:,} stored keys / with one", grown, 1.2, "overhead"))
        throughput = None
        if args.http:
            from bench import http_load

            throughput = http_load.throughput(all_schemes, database, 1 if args.smoke else args.rounds,
                                              args.http_seconds, seeded["m2m_jwt"])
            clock = stage("gunicorn + wrk", clock)
        written = writes.measure(replayer, by_name["m2m-token"])  # last: it moves the clock a day on
        stage("writes", clock)
        result = {"database": database_label(connection, args), "stored_credentials": args.n, "rounds": args.rounds,
                  "requests": args.requests,
                  "per_request_us": {name: statistics.median(values) for name, values in times.items()},
                  "queries": counts, "ratios": rows, "writes": written, "throughput": throughput}
        print(json.dumps(result) if args.json else markdown.render({result["database"]: result}))
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


def database_label(connection, args) -> str:
    if connection.vendor == "sqlite":
        return "SQLite"
    return "PostgreSQL, prepared statements" if args.prepared else "PostgreSQL, Django defaults"


if __name__ == "__main__":
    main()

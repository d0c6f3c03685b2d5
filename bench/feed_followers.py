"""What the revocation feed costs the issuer, per follower and per revocation.

    .venv/bin/python bench/feed_followers.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/m2m_bench REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/feed_followers.py

Runs the feed view through Django's test client (no HTTP server): FOLLOWERS
polls at one cursor, before and after REVOCATIONS revocations, counting the
database queries and timing each poll. Flat means: the queries do not grow
with the followers, and a poll costs the same with many revocations behind.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from m2m_auth import issuing, revoking  # noqa: E402

FOLLOWERS = int(os.environ.get("FOLLOWERS", "1000"))
REVOCATIONS = int(os.environ.get("REVOCATIONS", "200"))


def polls(client: Client, since: str) -> tuple[float, int, int]:
    """Microseconds per poll, queries of the feed's table, and of the database cache, for FOLLOWERS polls."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        for _ in range(FOLLOWERS):
            assert client.get("/oauth/revocations", {"since": since}).status_code == 200
        elapsed = time.perf_counter() - start
    feed = sum("m2m_auth_revocationevent" in query["sql"] for query in queries)
    return elapsed / FOLLOWERS * 1e6, feed, len(queries) - feed


def show(label: str, client: Client, since: str) -> None:
    polls(client, since)  # the first poll of a cursor computes the answer
    per_poll, feed, cache = polls(client, since)
    print(f"  {label:40} {per_poll:7.0f} µs/poll {feed:4} feed queries {cache:5} cache queries")


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    client = Client()
    print(f"{FOLLOWERS} followers at one cursor ({connection.vendor}, cache: database unless REDIS_URL)")
    show("empty feed, since=0", client, "0")
    for _ in range(REVOCATIONS):
        revoking.revoke(issuing.create_api_key(f"bench-{time.time_ns()}", scopes=[])[0])
    latest = client.get("/oauth/revocations", {"since": "0"}).json()
    head = str(max(int(latest["cursor"]), 0))
    show(f"{REVOCATIONS} revocations behind, since=0", client, "0")
    show("up to date, since=cursor", client, head)


if __name__ == "__main__":
    main()

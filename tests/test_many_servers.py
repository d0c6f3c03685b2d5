"""One issuer and two remote resource servers as real processes (gunicorn,
separate databases): revocations reach every remote process within the bound,
quick key rotations fail no valid request, a stopped issuer leaves the remotes
serving, and a thousand followers cost the issuer no more than one.

Set M2M_SKIP_MANY_SERVERS=1 to leave it out (CI runs it in one pass only).
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import statistics
import threading
import time

import httpx
import jwt
import pytest

from .sites import Site, free_port, wait_for

pytestmark = pytest.mark.skipif(bool(os.environ.get("M2M_SKIP_MANY_SERVERS")), reason="M2M_SKIP_MANY_SERVERS is set")

BOUND = 5.0  # seconds; the goal is 1 s (p99), this bound only keeps a busy CI machine green
REMOTE_PROCESSES = 2  # per remote site, each its own follower; they share the site's database cache
JWKS_MAX_AGE = "2"  # so that a rotation's key signs within seconds
PUBLICATION_DELAY = 2 * int(JWKS_MAX_AGE) + 1  # keys.publication_delay() on the issuer
QUICK_ROTATIONS = "from django.core.management import call_command\n" + "call_command('m2m', 'signing-key', 'rotate')\n" * 3
HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs more CPU than the server's answer


class Stack:
    def __init__(self, directory):
        port = free_port()
        self.issuer_url = f"http://127.0.0.1:{port}"
        self.issuer = Site(directory, "issuer", M2M_AUTH_ISSUER=self.issuer_url, M2M_AUTH_JWKS_MAX_AGE=JWKS_MAX_AGE)
        self.issuer.migrate_from(None)
        template = directory / "template.sqlite3"
        shutil.copy(self.issuer.database, template)
        self.issuer.start(port, workers=2)
        self.credentials = self.issuer.setup_issuer()
        remote_app = self.credentials["remote"]
        self.remotes = [Site(directory, f"remote{n}", M2M_AUTH_REMOTE_ISSUER=self.issuer_url,
                             M2M_AUTH_REMOTE_CLIENT_ID=remote_app["client_id"],
                             M2M_AUTH_REMOTE_CLIENT_SECRET=remote_app["client_secret"]) for n in range(2)]
        for remote in self.remotes:
            remote.migrate_from(template)
            for _ in range(REMOTE_PROCESSES):
                remote.start()
        for url in [self.issuer_url, *self.remote_urls]:
            wait_for(url + "/m2m-auth/health")
        self.ready_at = time.monotonic()

    @property
    def remote_urls(self) -> list[str]:
        return [url for remote in self.remotes for url in remote.urls]

    def stop(self) -> None:
        for site in [*self.remotes, self.issuer]:
            site.stop()

    def token(self) -> str:
        """A fresh token. A 429 is retried: Django's database cache on SQLite answers a locked write
        (a rotation holds the lock) as a taken rate-limit slot; the remotes are what is tested here."""
        client = self.credentials["client"]
        for _ in range(50):
            response = HTTP.post(f"{self.issuer_url}/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=(client["client_id"], client["client_secret"]))
            if response.status_code != 429:
                break
            time.sleep(0.2)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def revoke(self, token: str, authenticated: bool = True) -> None:
        client = self.credentials["client"]
        auth = (client["client_id"], client["client_secret"]) if authenticated else None
        response = HTTP.post(f"{self.issuer_url}/oauth/revoke", data={"token": token}, auth=auth)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("many-servers")
    running = Stack(directory)
    try:
        yield running
    finally:
        running.stop()


def whoami(url: str, token: str) -> int:
    return HTTP.get(f"{url}/api/whoami/", headers=credential_header(token)).status_code


def credential_header(token: str) -> dict[str, str]:
    return {"X-API-Key": token} if token.startswith("m2m_ak_") else {"Authorization": f"Bearer {token}"}


def seconds_until_refused(url: str, token: str, since: float) -> float:
    while time.monotonic() - since < 3 * BOUND:
        status = whoami(url, token)
        if status == 401:
            return time.monotonic() - since
        assert status == 200, status
    return float("inf")


def propagation(stack: Stack, token: str, authenticated: bool = True) -> list[float]:
    """Seconds from the revocation call's return to the first refusal, on every remote process."""
    refusals = [(url, answer.status_code, answer.text[:300]) for url in stack.remote_urls
                if (answer := HTTP.get(f"{url}/api/whoami/", headers=credential_header(token))).status_code != 200]
    assert refusals == []
    stack.revoke(token, authenticated)
    returned = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(stack.remote_urls)) as pool:
        return list(pool.map(lambda url: seconds_until_refused(url, token, returned), stack.remote_urls))


def test_revocations_reach_every_remote_process_within_the_bound(stack):
    samples = []
    for _ in range(5):
        samples += propagation(stack, stack.token())
    for key in stack.credentials["keys"][:2]:
        samples += propagation(stack, key["key"], authenticated=False)
    for pat in stack.credentials["pats"][:2]:
        samples += propagation(stack, pat["token"], authenticated=False)
    print(f"\nrevocation -> refusal at {len(stack.remote_urls)} remote processes, {len(samples)} samples: "
          f"median {statistics.median(samples):.3f} s, max {max(samples):.3f} s")
    assert max(samples) < BOUND


def test_quick_rotations_under_traffic_fail_no_valid_request(stack):
    # The spare key made at set-up must have been published for the delay, so
    # that the first rotation signs with it at once and the second schedules
    # the next (else, on a fast machine, all three find a key still pending).
    time.sleep(max(0.0, stack.ready_at + PUBLICATION_DELAY + 1 - time.monotonic()))
    failures, stop = [], threading.Event()
    kids = {jwt.get_unverified_header(stack.token())["kid"]}

    def traffic():
        while not stop.is_set():
            token = stack.token()
            kids.add(jwt.get_unverified_header(token)["kid"])
            failures.extend((url, status) for url in stack.remote_urls if (status := whoami(url, token)) != 200)

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        stack.issuer.manage("shell", "-c", QUICK_ROTATIONS)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(kids) < 3:  # the first rotation's key, then the second's
            time.sleep(0.2)
        time.sleep(1)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert failures == []
    assert len(kids) == 3, "the rotated keys did not both come to sign"


def test_a_thousand_followers_cost_the_issuer_one_answer_per_cursor(stack):
    feed = f"{stack.issuer_url}/oauth/revocations"
    cursor = HTTP.get(feed).json()["cursor"]

    def poll(_):
        started = time.monotonic()
        response = HTTP.get(feed, params={"since": cursor}, timeout=30)
        return response.status_code, response.json()["cursor"], time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(poll, range(1000)))
    settled = HTTP.get(feed, params={"since": cursor}).json()["cursor"]  # recent events may settle meanwhile
    assert {status for status, _, _ in answers} == {200}
    assert {answered for _, answered, _ in answers} <= {cursor, settled}
    seconds = sorted(elapsed for _, _, elapsed in answers)
    print(f"\n1000 followers at one cursor: median {statistics.median(seconds) * 1000:.1f} ms, "
          f"p99 {seconds[989] * 1000:.1f} ms per poll")


def test_a_stopped_issuer_leaves_the_remotes_serving_and_saying_so(stack):
    token, key = stack.token(), stack.credentials["keys"][2]["key"]
    assert all(whoami(url, token) == 200 and whoami(url, key) == 200 for url in stack.remote_urls)
    stack.issuer.stop()
    time.sleep(1.5)
    for url in stack.remote_urls:
        assert whoami(url, token) == 200 and whoami(url, key) == 200  # the key from the introspection cache
        health = HTTP.get(f"{url}/m2m-auth/health").json()
        assert health["status"] == "degraded" and health["error"], health

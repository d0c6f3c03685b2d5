"""Fault injection with real components: our own PostgreSQL cluster and Redis,
the demo under gunicorn with several workers, and client threads sending a
mix of requests while the tests stop, freeze and restart the dependencies.

What must hold (DESIGN.md, "When something fails"): only JSON 503s with
Retry-After or correct answers, never a 500 and never an answer later than the
dependency's timeout allows; service comes back by itself; a revoked JWT
stays revoked when Redis restarts empty; under load, no request is accepted
after a revocation call returned; no issued secret in the logs, a pg_dump or
the Redis keyspace.

Skipped when PostgreSQL's or Redis's programs are missing, unless
M2M_REQUIRE_FAULT_TOOLS is set (as .ci/run does), when that is a failure.
M2M_SKIP_FAULT_TESTS skips them on purpose (.ci/run runs them in one pass).
"""

import base64
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from m2m_auth import crypto

from .fault_stack import Demo, Postgres, Redis, missing_tools
from .outage_helpers import wrong_secret
from .traffic import Request, Traffic

MISSING = missing_tools()
if MISSING and os.environ.get("M2M_REQUIRE_FAULT_TOOLS"):
    raise RuntimeError(f"M2M_REQUIRE_FAULT_TOOLS is set but these are missing: {', '.join(MISSING)}")
pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}"),
    pytest.mark.skipif(bool(os.environ.get("M2M_SKIP_FAULT_TESTS")), reason="M2M_SKIP_FAULT_TESTS is set"),
]

FAULT_SECONDS = 7  # longer than any answer may take, so that a hang shows
SLOWEST_ANSWER = 6  # the demo's timeouts: PostgreSQL connect 3 s, Redis 1 s per call
CLIENTS = 3  # fewer than gunicorn's workers: latency is the server's, not a queue's


@pytest.fixture(scope="module")
def stack():
    directory = Path(tempfile.mkdtemp(prefix="m2m-faults-"))
    database, cache = Postgres(directory), Redis(directory)
    demo = Demo(directory, database, cache)
    started = []
    try:
        for server in (database, cache):
            server.start()
            started.append(server)
        demo.manage("migrate", "-v0")
        secrets = demo.provision()
        demo.start()
        started.append(demo)
        issued = [value for name, value in secrets.items() if name != "client_id"]
        yield SimpleNamespace(directory=directory, database=database, cache=cache, demo=demo, secrets=secrets,
                              issued=issued)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def basic(stack) -> dict:
    pair = f"{stack.secrets['client_id']}:{stack.secrets['client_secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def new_jwt(stack) -> str:
    response = httpx.post(stack.demo.url + "/oauth/token", data={"grant_type": "client_credentials"},
                          headers=basic(stack), timeout=10)
    token = response.json()["access_token"]
    stack.issued.append(token)
    return token


def revoke(stack, token: str, authenticated: bool = False) -> None:
    response = httpx.post(stack.demo.url + "/oauth/revoke", data={"token": token},
                          headers=basic(stack) if authenticated else {}, timeout=10)
    assert response.status_code == 200, response.text


def whoami(headers: dict) -> Request:
    return Request("GET", "/api/whoami/", headers)


def mix(stack, jwt: str, revoked_jwt: str) -> dict[str, Request]:
    secrets = stack.secrets
    return {
        "key": whoami({"X-API-Key": secrets["key"]}),
        "pat": whoami(bearer(secrets["pat"])),
        "jwt": whoami(bearer(jwt)),
        "revoked_jwt": whoami(bearer(revoked_jwt)),
        "wrong_key": whoami({"X-API-Key": wrong_secret(secrets["key"])}),
        # well-formed, of an id no worker can remember: its answer always takes the database
        "unknown_key": whoami({"X-API-Key": crypto.generate_token("m2m_ak_").token}),
        "malformed_key": whoami({"X-API-Key": secrets["key"][:-1]}),
        "jwks": Request("GET", "/.well-known/jwks.json", {}),
        "metadata": Request("GET", "/.well-known/oauth-authorization-server", {}),
        "token": Request("POST", "/oauth/token", basic(stack), {"grant_type": "client_credentials"}),
    }


def under_fault(stack, fault, repair) -> tuple[Traffic, float]:
    """Traffic before, during and after a fault; when the fault began."""
    revoked_jwt = new_jwt(stack)
    revoke(stack, revoked_jwt, authenticated=True)
    with Traffic(stack.demo.url, mix(stack, new_jwt(stack), revoked_jwt), CLIENTS) as traffic:
        time.sleep(1)
        began = time.monotonic()
        fault()
        time.sleep(FAULT_SECONDS)
        repair()
        time.sleep(1)
    stack.issued += [answer.body.decode() for answer in traffic.of("token") if answer.status == 200]
    return traffic, began


def assert_sound(traffic: Traffic, began: float, always: dict[str, set[int]], at_worst: dict[str, set[int]]) -> None:
    """Only proper answers, none late; some names answer the same throughout the fault, others may be 503."""
    improper = [answer for answer in traffic.answers if answer.status == 503 and not answer.is_unavailable()]
    assert not improper, improper[:3]
    for name, allowed in [*always.items(), *at_worst.items()]:
        odd = [(answer.status, round(answer.started - began, 2), round(answer.seconds, 2), answer.body[:80])
               for answer in traffic.of(name) if answer.status not in allowed]
        assert not odd, (name, odd[:3])
    for name, expected in always.items():
        assert traffic.statuses(name) == expected, (name, traffic.statuses(name))
    late = [answer for answer in traffic.answers if answer.started > began + 0.2 and answer.seconds > SLOWEST_ANSWER]
    assert not late, late[:3]


def assert_recovered(stack) -> None:
    """Service comes back by itself: no restart of the demo."""
    checks = {"key": {"X-API-Key": stack.secrets["key"]}, "pat": bearer(stack.secrets["pat"])}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        statuses = {httpx.get(stack.demo.url + "/api/whoami/", headers=headers, timeout=10).status_code
                    for headers in checks.values()}
        if statuses == {200}:
            return
        time.sleep(0.2)
    raise AssertionError(f"not recovered: {statuses}")


CORRECT_WITHOUT_CACHE = {"key": {200}, "pat": {200}, "jwt": {200}, "revoked_jwt": {401}, "wrong_key": {401},
                         "malformed_key": {401}, "jwks": {200}, "metadata": {200}, "token": {200},
                         "unknown_key": {401}}
CORRECT_WITHOUT_DATABASE = {"jwt": {200}, "revoked_jwt": {401}, "malformed_key": {401}, "jwks": {200},
                            "metadata": {200}}
# Workers that remember a key, a PAT or a client answer them without the database.
UNAVAILABLE_WITHOUT_DATABASE = {"key": {200, 503}, "pat": {200, 503}, "wrong_key": {401, 503}, "token": {200, 503},
                                "unknown_key": {401, 503}}


def test_redis_stopped_then_restarted_empty(stack):
    traffic, began = under_fault(stack, stack.cache.stop, stack.cache.start)
    assert_sound(traffic, began, CORRECT_WITHOUT_CACHE, {})
    assert_recovered(stack)


def test_redis_frozen(stack):
    traffic, began = under_fault(stack, stack.cache.freeze, stack.cache.thaw)
    assert_sound(traffic, began, CORRECT_WITHOUT_CACHE, {})
    assert_recovered(stack)


def assert_database_was_missed(traffic: Traffic, began: float) -> None:
    assert 503 in traffic.statuses("unknown_key", since=began)


def test_database_stopped_then_restarted(stack):
    traffic, began = under_fault(stack, stack.database.stop, stack.database.start)
    assert_sound(traffic, began, CORRECT_WITHOUT_DATABASE, UNAVAILABLE_WITHOUT_DATABASE)
    assert_database_was_missed(traffic, began)
    assert_recovered(stack)


def test_database_frozen(stack):
    traffic, began = under_fault(stack, stack.database.freeze, stack.database.thaw)
    assert_sound(traffic, began, CORRECT_WITHOUT_DATABASE, UNAVAILABLE_WITHOUT_DATABASE)
    assert_database_was_missed(traffic, began)
    assert_recovered(stack)


def test_no_request_is_accepted_after_its_revocation_returned(stack):
    secrets, victim_jwt = stack.secrets, new_jwt(stack)
    requests = {"victim_key": whoami({"X-API-Key": secrets["victim_key"]}),
                "victim_pat": whoami(bearer(secrets["victim_pat"])), "victim_jwt": whoami(bearer(victim_jwt)),
                "key": whoami({"X-API-Key": secrets["key"]}), "jwt": whoami(bearer(new_jwt(stack)))}
    returned = {}
    with Traffic(stack.demo.url, requests, threads=50) as traffic:
        time.sleep(1)
        for name, authenticated in (("victim_key", False), ("victim_pat", False), ("victim_jwt", True)):
            token = victim_jwt if name == "victim_jwt" else secrets[name]
            revoke(stack, token, authenticated)
            returned[name] = time.monotonic()
            time.sleep(0.5)
        time.sleep(0.5)
    for name, moment in returned.items():
        assert traffic.statuses(name, since=moment) == {401}, name
        assert 200 in {answer.status for answer in traffic.of(name) if answer.ended < min(returned.values())}
    assert {answer.status for answer in traffic.answers} == {200, 401}


def test_no_issued_secret_in_logs_dump_or_cache(stack):
    haystacks = {
        "the demo's log": (stack.directory / "gunicorn.log").read_bytes(),
        "PostgreSQL's log": (stack.directory / "postgres.log").read_bytes(),
        "a pg_dump": stack.database.dump().encode(),
        "the Redis keyspace": b"\n".join(stack.cache.keyspace()),
    }
    assert b"GET /api/whoami/" in haystacks["the demo's log"] and b"m2m_auth_apikey" in haystacks["a pg_dump"]
    assert b"m2m_auth:deny-list" in haystacks["the Redis keyspace"]
    assert len(stack.issued) > 10
    found = [(where, secret[:12]) for secret in stack.issued for where, hay in haystacks.items()
             if secret.encode() in hay]
    assert not found

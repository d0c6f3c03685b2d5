"""Failed client authentication limits: atomic under real concurrency, keyed so nobody else can use them."""

import os
import socket
import threading

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections

from m2m_auth import outages
from m2m_auth.oauth import ratelimit

CLIENT, ADDRESS = "m2m_client_abc", "198.51.100.7"


@pytest.fixture(autouse=True)
def empty_fallback():
    ratelimit.FALLBACK.clear()


def fail_once(client_id=CLIENT, address=ADDRESS) -> int | None:
    """One failed authentication; its Retry-After when refused."""
    with ratelimit.limited(client_id, address) as attempt:
        if not attempt.retry_after:
            attempt.fail()
        return attempt.retry_after


def succeed_once(client_id=CLIENT, address=ADDRESS) -> int | None:
    with ratelimit.limited(client_id, address) as attempt:
        return attempt.retry_after


def test_the_limit_refuses_the_eleventh_failure_with_a_wait():
    assert [fail_once() for _ in range(10)] == [None] * 10
    wait = fail_once()
    assert wait is not None and 1 <= wait <= 60


def test_successes_give_their_slots_back():
    for _ in range(50):
        assert succeed_once() is None
    assert [fail_once() for _ in range(10)] == [None] * 10


def test_a_third_party_elsewhere_cannot_lock_out_a_client():
    for _ in range(20):
        fail_once(address="203.0.113.66")
    assert succeed_once() is None


def test_the_per_address_limit_stops_spraying_client_ids():
    for number in range(30):
        assert fail_once(client_id=f"guess-{number}") is None
    assert fail_once(client_id="another") is not None
    assert succeed_once(address="198.51.100.8") is None


def test_ipv6_addresses_count_per_64(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "CLIENT_AUTH_FAILURES_PER_ADDRESS": 3}
    for host in range(3):
        fail_once(client_id=f"c{host}", address=f"2001:db8:1:2::{host + 1}")
    assert fail_once(client_id="c9", address="2001:db8:1:2:ffff::9") is not None
    assert fail_once(client_id="c9", address="2001:db8:1:3::1") is None


def test_zero_turns_a_limit_off(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "CLIENT_AUTH_FAILURES_PER_CLIENT": 0}
    assert [fail_once() for _ in range(15)] == [None] * 15


def test_key_names_are_hashed():
    secret_like = "m2m_cs_" + "A" * 40
    for _ in range(11):
        fail_once(client_id=secret_like)
    names = stored_key_names()
    assert any("m2m_auth:rl:" in name for name in names)
    assert not any(secret_like in name or ADDRESS in name for name in names)


def stored_key_names() -> list[str]:
    cache = caches["default"]
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # LocMemCache
        return list(cache._cache)
    return [name.decode() for name in cache._cache.get_client().keys("*")]  # RedisCache


def test_without_a_working_cache_limits_are_kept_per_process(settings, caplog, monkeypatch):
    monkeypatch.setattr(outages, "_warned_at", {})
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    assert [fail_once() for _ in range(10)] == [None] * 10
    assert fail_once() is not None
    assert "limiting per process" in caplog.text


@pytest.mark.django_db
def test_a_token_request_succeeds_while_the_cache_is_down(client, settings, make_role):
    from m2m_auth import issuing

    from .oauth_helpers import request_token

    app, secret = issuing.create_application("cache-down", roles=[make_role(["orders:read"], kind="machine").name])
    assert request_token(client, app, secret).status_code == 200  # makes the signing key, with the cache up
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    assert request_token(client, app, secret).status_code == 200


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def race(threads: int, work) -> list:
    """Run ``work`` in that many threads released at once; their results."""
    barrier, results, lock = threading.Barrier(threads), [], threading.Lock()

    def run():
        barrier.wait()
        try:
            result = work()
            with lock:
                results.append(result)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "race"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ.get("REDIS_URL")},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "m2m_auth_race_cache"},
}


@pytest.fixture(params=["locmem", "redis", pytest.param("database", marks=pytest.mark.django_db(transaction=True, serialized_rollback=True))])
def shared_cache(request, settings):
    if request.param == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set")
    if request.param == "database":
        if connection.vendor == "sqlite":
            pytest.skip("the in-memory SQLite test database locks out concurrent writers instead of serializing them")
    settings.CACHES = {"default": BACKENDS[request.param]}
    if request.param == "database":
        call_command("createcachetable")
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def test_concurrent_failures_never_exceed_the_limit(shared_cache):
    outcomes = race(30, fail_once)
    assert outcomes.count(None) == 10 and len(outcomes) == 30


def test_concurrent_failures_across_clients_never_exceed_the_address_limit(shared_cache):
    numbers = iter(range(1000))
    outcomes = race(40, lambda: fail_once(client_id=f"client-{next(numbers)}"))
    assert outcomes.count(None) == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_wrong_secrets_at_the_token_endpoint():
    """On PostgreSQL, with the test settings' cache (Redis when REDIS_URL is set)."""
    from django.test import Client

    from m2m_auth import issuing, rbac

    from .oauth_helpers import request_token

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database locks out concurrent writers instead of serializing them")
    rbac.create_resource("https://api.raced.local", "Raced", scopes=["raced:read"])
    rbac.create_role("raced-service", "machine", ["raced:read"])
    app, secret = issuing.create_application("raced", roles=["raced-service"])
    statuses = race(30, lambda: request_token(Client(), app, "m2m_cs_wrong").status_code)
    assert sorted(statuses) == [401] * 10 + [429] * 20
    assert request_token(Client(REMOTE_ADDR="198.51.100.99"), app, secret).status_code == 200


@pytest.fixture
def redis_cache(settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set")
    settings.CACHES = {"default": BACKENDS["redis"]}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_a_script_the_server_forgot_is_sent_again(redis_cache):
    redis_cache._cache.get_client().script_flush()
    assert succeed_once() is None
    assert [fail_once() for _ in range(11)][-1] is not None


def test_a_connection_dropped_with_give_backs_unread_is_made_anew(redis_cache):
    """A success's give-back is not awaited; if the server then drops the connection, the next attempt
    reconnects and the limits still count (the lost give-back's slots expire with the window)."""
    from m2m_auth.oauth import redis_window

    cache = redis_cache
    assert fail_once() is None  # a failure on record: the success takes a slot and gives it back
    assert succeed_once() is None
    windows = redis_window.of(cache)
    assert windows.unread == 1
    killed = cache._cache.get_client().client_kill_filter(addr="%s:%s" % windows.connection._sock.getsockname())
    assert killed == 1
    assert [fail_once() for _ in range(9)] == [None] * 9
    assert fail_once() is not None

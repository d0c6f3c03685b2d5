"""A success with no failure on record costs no Redis command; every failure still counts (ratelimit.py)."""

from __future__ import annotations

import re

import pytest
import redis

from m2m_auth import issuing, stamp_reader
from m2m_auth.oauth import ratelimit, redis_window

from .oauth_helpers import request_token
from .test_stamp_reader import delivered
from .test_ratelimit import ADDRESS, CLIENT, fail_once, succeed_once

COMMAND_NAME = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Z]+)\r\n")


@pytest.fixture(autouse=True)
def empty_fallback():
    ratelimit.FALLBACK.clear()


@pytest.fixture
def commands(monkeypatch):
    """The name of every command sent to Redis from now on, over any connection."""
    sent: list[str] = []
    connection_class = redis.connection.AbstractConnection
    send = connection_class.send_packed_command

    def counted(self, packed, *args, **kwargs):
        parts = [packed] if isinstance(packed, (bytes, str)) else packed
        sent.extend(name.decode() for part in parts for name in COMMAND_NAME.findall(bytes(part)))
        return send(self, packed, *args, **kwargs)

    monkeypatch.setattr(connection_class, "send_packed_command", counted)
    return sent


@pytest.fixture
def raw(shared_redis):
    """Another client of the same Redis: another worker."""
    return shared_redis._cache.get_client(write=True)


def window_key(shared_redis, client_id=CLIENT, address=ADDRESS) -> str:
    """The per-client window's key, as stored."""
    return shared_redis.make_and_validate_key(ratelimit._names(client_id, address)[1])


def other_worker_fails(shared_redis, raw, key: str, times: int = 1) -> None:
    """What another worker's kept slots look like in Redis, once Redis has told this worker."""
    now = redis_window.time.time()
    raw.zadd(key, {f"elsewhere-{number}": now + 60 for number in range(times)})
    raw.expire(key, 61)
    delivered(shared_redis._m2m_auth_stamp_reader)


def test_a_success_with_every_window_empty_sends_redis_nothing(shared_redis, commands):
    """A few tries: other test runs on the same Redis server (other databases, keys of the same names)
    can make the reader read again, tracking being by key name."""
    assert succeed_once() is None  # reads that the windows are empty, and holds it
    for _ in range(5):
        commands.clear()
        assert succeed_once() is None
        if not commands:
            break
    assert commands == []


def test_after_a_failure_a_success_takes_a_slot_and_gives_it_back(shared_redis, raw, commands):
    succeed_once()
    assert fail_once() is None
    commands.clear()
    assert succeed_once() is None
    assert "EVALSHA" in commands and commands[-1] == "EVAL"  # taken, then given back
    assert raw.zcard(window_key(shared_redis)) == 1  # the failure's slot alone


def test_a_failure_on_the_quiet_path_keeps_its_slot_until_the_limit_is_full(shared_redis, raw):
    succeed_once()
    assert fail_once() is None
    assert raw.zcard(window_key(shared_redis)) == 1
    assert [fail_once() for _ in range(9)] == [None] * 9
    assert fail_once() is not None


def test_a_full_window_refuses_even_a_correct_secret(shared_redis):
    for _ in range(10):
        fail_once()
    assert succeed_once() is not None


def test_another_workers_failure_is_seen_on_the_next_request(shared_redis, raw, commands):
    succeed_once()
    other_worker_fails(shared_redis, raw, window_key(shared_redis), times=10)
    commands.clear()
    assert succeed_once() is not None  # the full window refuses: the windows were read again
    assert "EXISTS" in commands


def test_a_failure_racing_the_first_ones_elsewhere_is_refused_when_the_window_is_full(shared_redis, raw,
                                                                                     monkeypatch):
    """Before the invalidation arrives this worker still takes the windows for empty: the failure verified on
    that word takes its slot late, and finds none."""
    succeed_once()
    reader = shared_redis._m2m_auth_stamp_reader
    monkeypatch.setattr(reader, "_drop_invalidated", lambda: None)  # the word is still on its way
    other_worker_fails(shared_redis, raw, window_key(shared_redis), times=10)
    with ratelimit.limited(CLIENT, ADDRESS) as attempt:
        assert attempt.retry_after is None and attempt.take_late is not None
        wait = attempt.fail()
    assert wait is not None and 1 <= wait <= 60


def test_without_tracking_every_attempt_takes_its_slots_first(shared_redis, monkeypatch, commands):
    def refusing_tracking(self):
        self.data, self.tracking = self._new_connection(), False

    monkeypatch.setattr(stamp_reader.TrackedReader, "_connect", refusing_tracking)
    succeed_once()
    commands.clear()
    assert succeed_once() is None
    assert "EVALSHA" in commands and "EXISTS" not in commands


def test_a_cache_gone_down_after_the_quiet_check_counts_the_failure_per_process(shared_redis, monkeypatch):
    succeed_once()
    windows = redis_window.of(shared_redis)

    def down(arguments):
        raise redis.exceptions.ConnectionError("down")

    monkeypatch.setattr(windows, "_run", down)
    assert fail_once() is None
    assert len(ratelimit.FALLBACK._cache) == 2  # a slot of each limit, kept in this process


@pytest.mark.django_db
def test_at_the_token_endpoint(client, shared_redis, raw, make_role):
    app, secret = issuing.create_application("quiet", roles=[make_role(["orders:read"], kind="machine").name])
    assert request_token(client, app, secret).status_code == 200
    key = window_key(shared_redis, app.client_id, "127.0.0.1")
    assert request_token(client, app, "m2m_cs_wrong").status_code == 401
    assert raw.zcard(key) == 1
    assert request_token(client, app, secret).status_code == 200
    other_worker_fails(shared_redis, raw, key, times=9)
    assert request_token(client, app, secret).status_code == 429

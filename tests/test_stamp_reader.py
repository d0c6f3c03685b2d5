"""The stamp read from Redis with no round trip while it holds (m2m_auth/stamp_reader.py)."""

from __future__ import annotations

import select

import pytest

from m2m_auth import freshness, stamp_reader


@pytest.fixture
def reader(shared_redis):
    freshness.current()  # the stamp exists, and this thread's reader with it
    freshness.current()  # ... and has taken the word of the stamp's creation
    reader = shared_redis._m2m_auth_stamp_reader
    reader.gets = 0
    return reader


@pytest.fixture
def raw(shared_redis):
    """Another client of the same Redis: another worker, or a writer anywhere."""
    return shared_redis._cache.get_client(write=True)


def count_gets(reader, monkeypatch):
    send = reader.data.send_command

    def counted(*args, **kwargs):
        reader.gets += args[0] == "GET"
        return send(*args, **kwargs)

    monkeypatch.setattr(reader.data, "send_command", counted)


def delivered(reader) -> None:
    """Wait until Redis has written the invalidation of a write just made: it writes it right after the
    writer's reply, so a read in the same microseconds could come first (a request cannot: it follows a
    response)."""
    select.select([reader.invalidations._sock], [], [], 1)


def key(shared_redis):
    return shared_redis.make_and_validate_key(freshness.STAMP_KEY)


def test_a_held_stamp_costs_no_round_trip(reader, monkeypatch):
    count_gets(reader, monkeypatch)
    first = freshness.current()
    assert [freshness.current() for _ in range(5)] == [first] * 5
    assert reader.gets == 0


def test_a_write_by_another_client_is_seen_on_the_next_read(reader, raw, shared_redis, monkeypatch):
    before = freshness.current()
    count_gets(reader, monkeypatch)
    raw.set(key(shared_redis), b"written elsewhere")
    delivered(reader)
    assert freshness.current() == b"written elsewhere" != before
    assert reader.gets == 1
    assert freshness.current() == b"written elsewhere" and reader.gets == 1  # held again


@pytest.mark.parametrize("how", ["delete", "flush"])
def test_a_stamp_gone_from_redis_is_replaced_by_a_new_one(reader, raw, shared_redis, how):
    before = freshness.current()
    if how == "delete":
        raw.delete(key(shared_redis))
    else:
        shared_redis.clear()
    delivered(reader)
    after = freshness.current()
    assert after is not None and after != before


@pytest.mark.django_db
def test_a_change_made_in_this_thread_is_read_at_once(reader):
    before = freshness.current()
    freshness.changed()
    assert freshness.current() != before


def test_connections_the_server_closed_are_made_anew_and_still_told(reader, raw, shared_redis):
    first = freshness.current()
    raw.client_kill_filter(_type="normal", skipme=True)  # what a Redis restart does to its clients
    raw.client_kill_filter(_type="pubsub", skipme=True)
    assert freshness.current() == first
    raw.set(key(shared_redis), b"after the restart")
    delivered(reader)
    assert freshness.current() == b"after the restart"


def test_a_redis_without_tracking_is_read_every_time(shared_redis, monkeypatch, raw):
    monkeypatch.setattr(stamp_reader.RedisStampReader, "_connect", refusing_tracking)
    first = freshness.current()
    reader = shared_redis._m2m_auth_stamp_reader
    assert reader.invalidations is None and not reader.held
    raw.set(key(shared_redis), b"no tracking")
    assert first != freshness.current() == b"no tracking"


def refusing_tracking(self):
    self.data, self.tracking = self._new_connection(), False


def test_the_stamp_is_read_again_after_recheck_seconds(reader, monkeypatch):
    count_gets(reader, monkeypatch)
    freshness.current()
    now = stamp_reader.time.monotonic()
    monkeypatch.setattr(stamp_reader.time, "monotonic", lambda: now + stamp_reader.RECHECK + 1)
    freshness.current()
    assert reader.gets == 1


def test_a_forked_worker_reads_over_connections_of_its_own(reader, monkeypatch):
    first = freshness.current()
    inherited = reader.data
    monkeypatch.setattr(stamp_reader.os, "getpid", lambda: reader.pid + 1)
    assert freshness.current() == first
    assert reader.data is not inherited


def test_a_reading_connection_closed_alone_is_seen_before_a_held_stamp_is_used(reader, raw, shared_redis):
    """Its tracking ends with it while the subscription lives on: no invalidation would come."""
    freshness.current()
    killed = raw.client_kill_filter(addr="%s:%s" % reader.data._sock.getsockname())
    assert killed == 1
    raw.set(key(shared_redis), b"written after the kill")
    assert freshness.current() == b"written after the kill"

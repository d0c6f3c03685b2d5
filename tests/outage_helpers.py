"""Simulated outages for in-process tests: a database that refuses every
query, a cache (real redis-py) pointed at a port where nothing listens.
The fault-injection tests (test_faults.py) do the same to real servers."""

import socket
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from m2m_auth import crypto, freshness, issuing, last_good
from m2m_auth.oauth import keys


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("simulated: connection refused")

    with connection.execute_wrapper(refuse):
        yield


@contextmanager
def cache_down():
    location = f"redis://127.0.0.1:{closed_port()}/0"
    dead = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    with override_settings(CACHES={"default": dead}):
        yield


def forget_process_copies() -> None:
    """What a freshly started worker knows: nothing."""
    last_good._process.clear()
    last_good._written_at.clear()
    keys._local.update(keys=None, read_at=0.0)
    freshness.forget_all()


@pytest.fixture
def service(make_role):
    """An application allowed orders:read, and its client secret."""
    return issuing.create_application("outage-client", roles=[make_role(["orders:read"], kind="machine").name])


def wrong_secret(token: str) -> str:
    """Same kind and public id, checksum-valid, another random part: a well-formed wrong secret."""
    head = token[: -(crypto.RANDOM_LENGTH + crypto.CHECKSUM_LENGTH)] + "A" * crypto.RANDOM_LENGTH
    return head + crypto.checksum(head)

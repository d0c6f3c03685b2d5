"""Database writes per credential per last-used interval, as m2m-auth makes them.

A fresh API key, PAT and client secret (at the token endpoint) are each used
once (their first use), again at once (a repeat within the interval), once
more after the interval has passed, and on the next day (a new row of the
usage chart's data). Every statement each request sends is recorded; the INSERTs,
UPDATEs and DELETEs are its writes.

The interval is shortened to one second and really waited out, so whatever
clock m2m-auth reads (the database's, the cache's expiry, ``timezone.now``)
sees it pass; the day is moved on by patching ``django.utils.timezone.now``.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from .schemes import Replayer, Scheme, basic

INTERVAL = 1  # seconds
WRITES = ("INSERT", "UPDATE", "DELETE")
WRITE = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
CASES = ("first use", "repeat within the interval", "after the interval", "first use on a new day")


def statements(replayer: Replayer, scheme: Scheme) -> tuple[str, list[str]]:
    """One request's status and every SQL statement it sent."""
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        status = replayer.once(scheme, scheme.environ())
    return status, sent


def is_write(sql: str) -> bool:
    return WRITE.match(sql) is not None


def writes_of(replayer: Replayer, scheme: Scheme) -> list[str]:
    """The request's writes, each as its verb and table: "UPDATE apikey" (m2m_auth_ left out)."""
    status, sent = statements(replayer, scheme)
    if not status.startswith("2"):
        raise SystemExit(f"writes: {scheme.name} answered {status}")
    found = (WRITE.match(sql) for sql in sent)
    return [f"{match[1].split()[0].upper()} {match[2].removeprefix('m2m_auth_')}" for match in found if match]


def fresh_schemes() -> list[Scheme]:
    """Credentials never used yet, presented as the timed schemes present theirs."""
    from m2m_auth import issuing

    user = get_user_model().objects.get(username="bench-user")
    _, key = issuing.create_api_key("writes-key", scopes=["orders:read"])
    _, pat = issuing.create_personal_access_token(user, "writes-pat", scopes=["orders:read"])
    application, secret = issuing.create_application("writes-app", roles=["bench-service"])
    assert secret is not None
    return [
        Scheme("m2m-key", "/m2m-key/", {"HTTP_X_API_KEY": key}),
        Scheme("m2m-pat", "/m2m-pat/", {"HTTP_AUTHORIZATION": f"Bearer {pat}"}),
        Scheme("m2m-token", "/oauth/token", {"HTTP_AUTHORIZATION": basic(application.client_id, secret)},
               b"grant_type=client_credentials"),
    ]


def measure(replayer: Replayer, token_request: Scheme) -> dict[str, dict[str, list[str]]]:
    """Per scheme and case (CASES), the write statements of that one request.

    Before the first use and on the new day, token_request (another client's)
    goes first: the signing keys' schedule (the rotation bench.schemes.seed
    started comes due after its publication delay, within a long run) moves
    on with the first token signed, not per credential.
    """
    schemes = fresh_schemes()
    found: dict[str, dict[str, list[str]]] = {scheme.name: {} for scheme in schemes}

    def use_all(*cases: str) -> None:
        for scheme in schemes:
            for case in cases:
                found[scheme.name][case] = writes_of(replayer, scheme)

    with override_settings(M2M_AUTH={**settings.M2M_AUTH, "LAST_USED_INTERVAL": INTERVAL}):
        replayer.once(token_request, token_request.environ())
        use_all(CASES[0], CASES[1])
        time.sleep(INTERVAL * 1.2)
        use_all(CASES[2])
        time.sleep(INTERVAL * 1.2)
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=1)):
            replayer.once(token_request, token_request.environ())
            use_all(CASES[3])
    return found

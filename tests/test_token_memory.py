"""What the token endpoint remembers between requests (m2m_auth/oauth/remembered.py): never past a change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from m2m_auth import applications, issuing, rbac, revoking
from m2m_auth.models import ApiResource
from m2m_auth.oauth import clients, keys

from .oauth_helpers import DEMO_AUDIENCE, request_token, unverified
from .test_ratelimit import closed_port

pytestmark = pytest.mark.django_db
COMMAND_NAME = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Z]+)\r\n")


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read", "orders:write"], kind="machine")
    app, secret = issuing.create_application("remembered", roles=[role.name])
    return app, secret, role


def warm(client, app, secret) -> dict:
    """Two answered requests: the second one is served from memory when memory is on."""
    request_token(client, app, secret)
    response = request_token(client, app, secret)
    assert response.status_code == 200
    return response.json()


def queries_of(client, app, secret) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert request_token(client, app, secret).status_code == 200
    return len(captured)


def test_a_remembered_request_makes_no_query(client, service, shared_redis):
    app, secret, _ = service
    warm(client, app, secret)
    assert queries_of(client, app, secret) == 0


def test_a_process_local_cache_remembers_nothing(client, service, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    app, secret, _ = service
    warm(client, app, secret)
    assert queries_of(client, app, secret) >= 4


def test_a_revoked_secret_is_refused_on_the_next_request(client, service, shared_redis):
    app, secret, _ = service
    warm(client, app, secret)
    revoking.revoke(app.secrets.get())
    assert request_token(client, app, secret).status_code == 401


def test_a_rotated_secret_works_at_once_and_the_old_one_ends_with_its_overlap(client, service, shared_redis, clock):
    app, secret, _ = service
    warm(client, app, secret)
    _, new_secret = clients.rotate_client_secret(app)
    assert request_token(client, app, new_secret).status_code == 200
    clock.advance(24 * 3600 * 365)
    assert request_token(client, app, secret).status_code == 401


@pytest.mark.parametrize("how", ["inactive", "disabled"])
def test_a_disabled_application_is_refused_on_the_next_request(client, service, shared_redis, how):
    app, secret, _ = service
    warm(client, app, secret)
    if how == "inactive":
        applications.update_application(app, active=False)
    else:
        revoking.disable_application(app)
    assert request_token(client, app, secret).status_code == 401


def test_a_role_change_is_seen_on_the_next_request(client, service, shared_redis):
    app, secret, role = service
    assert warm(client, app, secret)["scope"] == "orders:read orders:write"
    rbac.update_role(role, remove_scopes=["orders:write"])
    assert request_token(client, app, secret).json()["scope"] == "orders:read"
    assert request_token(client, app, secret, scope="orders:write").status_code == 400
    applications.update_application(app, remove_roles=[role.name])
    assert request_token(client, app, secret).status_code == 400


def test_a_new_token_lifetime_is_seen_on_the_next_request(client, service, shared_redis):
    app, secret, _ = service
    warm(client, app, secret)
    resource = ApiResource.objects.get(identifier=DEMO_AUDIENCE)
    resource.token_ttl = 120
    resource.save()
    assert request_token(client, app, secret).json()["expires_in"] == 120


def test_a_scheduled_key_signs_from_its_start_time(client, service, shared_redis, clock):
    app, secret, _ = service
    first_kid = unverified(warm(client, app, secret)["access_token"])[0]["kid"]
    scheduled = keys.rotate()
    if scheduled.state == keys.State.CURRENT:  # the spare was old enough to sign at once: schedule the next one
        first_kid, scheduled = scheduled.kid, keys.rotate()
    assert scheduled.activated_at is not None
    warm(client, app, secret)  # remembered under the stamp the rotation left
    clock.now = scheduled.activated_at - timedelta(seconds=1)
    assert unverified(request_token(client, app, secret).json()["access_token"])[0]["kid"] == first_kid
    clock.now = scheduled.activated_at
    assert unverified(request_token(client, app, secret).json()["access_token"])[0]["kid"] == scheduled.kid


def test_a_token_request_sends_redis_nothing_while_no_failure_is_on_record(client, service, shared_redis,
                                                                           monkeypatch):
    """The stamp and the limits' empty windows are held by the tracked reader (tests/test_quiet_success.py).
    A few tries: on a Redis shared with other test runs, their writes to keys of the same names in other
    databases, or their flushes, make the reader read again (tracking is by key name, across databases)."""
    app, secret, _ = service
    warm(client, app, secret)
    events = []
    connection_class = redis.connection.AbstractConnection
    send, read = connection_class.send_packed_command, connection_class.read_response
    monkeypatch.setattr(redis.Redis, "execute_command", lambda self, *args, **kw: events.append(f"pool {args[0]}"))
    monkeypatch.setattr(connection_class, "send_packed_command", lambda self, packed, *args, **kw: (
        events.extend(name.decode() for part in packed for name in COMMAND_NAME.findall(part)),
        send(self, packed, *args, **kw))[1])
    monkeypatch.setattr(connection_class, "read_response", lambda self, *args, **kw: (
        events.append("reply"), read(self, *args, **kw))[1])
    for _ in range(5):
        events.clear()
        assert request_token(client, app, secret).status_code == 200
        if not events:
            break
    assert events == []


def test_the_limiter_still_limits_with_redis(client, service, shared_redis):
    app, secret, _ = service
    warm(client, app, secret)
    assert [request_token(client, app, "m2m_cs_wrong").status_code for _ in range(11)] == [401] * 10 + [429]
    assert request_token(client, app, secret).status_code == 429


def test_with_redis_down_nothing_is_remembered_and_changes_are_seen(client, service, shared_redis, settings):
    app, secret, _ = service
    warm(client, app, secret)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}
    assert request_token(client, app, secret).status_code == 200
    revoking.revoke(app.secrets.get())
    assert request_token(client, app, secret).status_code == 401

"""The client helper against the running demo (requests, httpx, httpx async), and
its own distribution, which installs and imports with the standard library alone."""

import asyncio
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import httpx
import pytest
import requests
from django.db import connection

import m2m_auth
from m2m_auth import issuing, rbac
from m2m_auth.client import ClientCredentialsAuth

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(live_server):
    role = rbac.create_role("client-demo-orders", "machine", ["orders:read"])
    app, secret = issuing.create_application("client-demo", roles=[role.name])
    auth = ClientCredentialsAuth(f"{live_server.url}/oauth/token", app.client_id, secret, scope="orders:read")
    return live_server.url, app, secret, auth


@pytest.fixture
def one_request_at_a_time_on_memory_sqlite(live_server):
    """The client sends concurrently; an in-memory SQLite test database is one connection
    that the live server's threads share, which concurrent queries would misuse
    ("bad parameter or other API misuse"). A file or PostgreSQL database gives each
    thread its own: there the server stays concurrent."""
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        yield
        return
    server = live_server.thread.httpd
    application, lock = server.get_app(), threading.Lock()

    def serialized(environ, start_response):
        with lock:
            return application(environ, start_response)

    server.set_app(serialized)
    yield
    server.set_app(application)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("one_request_at_a_time_on_memory_sqlite")
def test_requests_httpx_and_async_httpx_call_the_demo(demo):
    url, _, _, auth = demo
    assert requests.get(f"{url}/api/orders/", auth=auth).status_code == 200
    assert httpx.get(f"{url}/api/whoami/", auth=auth).json()["kind"] == "oauth_client"

    async def call():
        async with httpx.AsyncClient(auth=auth) as client:
            return await asyncio.gather(*(client.get(f"{url}/api/orders/") for _ in range(3)))

    assert [answer.status_code for answer in asyncio.run(call())] == [200, 200, 200]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_revoked_token_is_replaced_once(demo):
    url, app, secret, auth = demo
    revoked = auth.token()
    requests.post(f"{url}/oauth/revoke", data={"token": revoked}, auth=(app.client_id, secret)).raise_for_status()
    response = requests.get(f"{url}/api/orders/", auth=auth)
    assert response.status_code == 200 and [r.status_code for r in response.history] == [401]
    assert auth.token() != revoked


def test_client_distribution_needs_only_the_standard_library(tmp_path):
    # Built from a copy (the symbolic link resolved), as an sdist would be; pip fetches setuptools.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "clients" / "python", source, symlinks=False)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("m2m_auth_client-*.whl"))
    assert wheel.name.startswith(f"m2m_auth_client-{m2m_auth.__version__}-")  # one version for both
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "installed")
        shipped = archive.read("m2m_auth_client.py")
    assert shipped == (ROOT / "m2m_auth" / "client.py").read_bytes()
    # -I -S: no site-packages, so no Django, requests or httpx to lean on.
    code = "import m2m_auth_client as c; assert c.httpx is None; print(c.ClientCredentialsAuth.__name__)"
    run = subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'installed')!r}); {code}"],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "ClientCredentialsAuth", run.stderr

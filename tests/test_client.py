"""m2m_auth.client.ClientCredentialsAuth against real local HTTP servers."""

import asyncio
import base64
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus

import httpx
import pytest
import requests

from m2m_auth.client import ClientCredentialsAuth, TokenError

SECRET = "m2m_cs_super:secret+value"


class Server:
    """Answers the token endpoint with ``self.answer`` and echoes Authorization elsewhere."""

    def __init__(self):
        self.fetches, self.forms, self.headers, self.refused = 0, [], [], set()
        self.gate = None  # a threading.Event the token endpoint waits for, when set
        self.answer = (200, {"access_token": "tok-1", "expires_in": 300, "token_type": "Bearer"})
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if self.path != "/token":
                    return self.echo(body)
                if server.gate is not None and not server.gate.wait(timeout=10):
                    return self.reply(500, b"{}")
                server.fetches += 1
                server.forms.append(parse_qsl(body))
                server.headers.append(dict(self.headers))
                status, payload = server.answer
                self.reply(status, payload if isinstance(payload, bytes) else json.dumps(payload).encode())

            def do_GET(self):
                self.echo(None)

            def echo(self, body):
                authorization = self.headers.get("Authorization")
                status = 401 if authorization in {f"Bearer {token}" for token in server.refused} else 200
                self.reply(status, json.dumps({"authorization": authorization, "body": body}).encode())

            def reply(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.httpd.shutdown()


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def auth_for(server, **kwargs):
    return ClientCredentialsAuth(f"{server.url}/token", "client:id", SECRET, **kwargs)


def test_basic_credentials_are_form_encoded(server):
    auth_for(server).token()
    encoded = server.headers[0]["Authorization"].removeprefix("Basic ")
    client_id, secret = base64.b64decode(encoded).decode().split(":")
    assert (unquote_plus(client_id), unquote_plus(secret)) == ("client:id", SECRET)
    assert ("grant_type", "client_credentials") in server.forms[0]


def test_scope_list_and_repeated_resource(server):
    auth_for(server, scope=["orders:read", "orders:write"], resource=["https://a", "https://b"]).token()
    form = server.forms[0]
    assert ("scope", "orders:read orders:write") in form
    assert [value for key, value in form if key == "resource"] == ["https://a", "https://b"]


def test_token_is_cached_then_refreshed_before_expiry(server):
    clock = Clock()
    auth = auth_for(server, clock=clock)
    assert auth.token() == auth.token() == "tok-1"
    assert server.fetches == 1
    server.answer = (200, {"access_token": "tok-2", "expires_in": 300})
    clock.now = 269
    assert auth.token() == "tok-1"
    clock.now = 271  # within the margin: min(60 s, 10% of 300 s)
    assert auth.token() == "tok-2" and server.fetches == 2


def test_invalidate_forces_a_new_fetch(server):
    auth = auth_for(server)
    auth.token()
    auth.invalidate()
    auth.token()
    assert server.fetches == 2


def test_threads_share_one_fetch(server):
    auth = auth_for(server)
    threads = [threading.Thread(target=auth.token) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.fetches == 1


@pytest.mark.parametrize(
    "answer, expected",
    [
        ((401, {"error": "invalid_client", "error_description": "Client authentication failed."}), "invalid_client"),
        ((400, {"error": "invalid_scope"}), "invalid_scope"),
        ((500, b"<html>oops</html>"), "500"),
        ((200, b"not json"), "JSON"),
        ((200, {"token_type": "Bearer"}), "access_token"),
    ],
)
def test_endpoint_errors_raise_token_error_without_the_secret(server, answer, expected):
    server.answer = answer
    with pytest.raises(TokenError, match=expected) as caught:
        auth_for(server).token()
    assert SECRET not in str(caught.value)


def test_unreachable_endpoint():
    with pytest.raises(TokenError, match="Cannot reach"):
        ClientCredentialsAuth("http://127.0.0.1:9/token", "c", "s", timeout=1).token()


def test_works_as_auth_for_requests_and_httpx(server):
    auth = auth_for(server)
    assert requests.get(f"{server.url}/api", auth=auth).json()["authorization"] == "Bearer tok-1"
    assert httpx.get(f"{server.url}/api", auth=auth).json()["authorization"] == "Bearer tok-1"
    with httpx.Client(auth=auth) as client:
        assert client.get(f"{server.url}/api").json()["authorization"] == "Bearer tok-1"
    assert server.fetches == 1


def refuse_first_token(server):
    server.refused.add("tok-1")
    server.answer = (200, {"access_token": "tok-1", "expires_in": 300})
    auth = auth_for(server)
    auth.token()
    server.answer = (200, {"access_token": "tok-2", "expires_in": 300})
    return auth


def test_requests_retries_a_401_once_with_a_fresh_token(server):
    auth = refuse_first_token(server)
    response = requests.post(f"{server.url}/api", data=b"body", auth=auth)
    assert response.status_code == 200 and response.json() == {"authorization": "Bearer tok-2", "body": "body"}
    assert [r.status_code for r in response.history] == [401] and server.fetches == 2
    server.refused.add("tok-2")
    assert requests.get(f"{server.url}/api", auth=auth).status_code == 401  # once, not forever
    assert server.fetches == 3


def test_httpx_retries_a_401_once_with_a_fresh_token(server):
    auth = refuse_first_token(server)
    with httpx.Client(auth=auth) as client:
        assert client.post(f"{server.url}/api", content=b"body").json() == {"authorization": "Bearer tok-2", "body": "body"}
    assert server.fetches == 2


def test_async_client_retries_and_shares_one_fetch(server):
    auth = refuse_first_token(server)

    async def main():
        async with httpx.AsyncClient(auth=auth) as client:
            return await asyncio.gather(*(client.get(f"{server.url}/api") for _ in range(5)))

    answers = asyncio.run(main())
    assert {answer.json()["authorization"] for answer in answers} == {"Bearer tok-2"}
    assert server.fetches == 2


def test_async_fetch_does_not_block_the_event_loop(server):
    # The token endpoint answers only once another task has run; a fetch that
    # blocked the loop would keep that task from running (the gate times out: a 500).
    server.gate = threading.Event()
    auth = auth_for(server)

    async def open_the_gate():
        await asyncio.sleep(0.05)
        server.gate.set()

    async def main():
        async with httpx.AsyncClient(auth=auth) as client:
            response, _ = await asyncio.gather(client.get(f"{server.url}/api"), open_the_gate())
            return response

    assert asyncio.run(main()).json()["authorization"] == "Bearer tok-1"


def test_importing_the_client_imports_no_django():
    code = ("import sys, m2m_auth.client; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'oauth2_provider')]")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)

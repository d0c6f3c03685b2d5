"""m2m_auth.client.ClientCredentialsAuth against real local HTTP servers."""

import base64
import json
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
        self.fetches, self.forms, self.headers = 0, [], []
        self.answer = (200, {"access_token": "tok-1", "expires_in": 300, "token_type": "Bearer"})
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                server.fetches += 1
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                server.forms.append(parse_qsl(body))
                server.headers.append(dict(self.headers))
                status, payload = server.answer
                self.reply(status, payload if isinstance(payload, bytes) else json.dumps(payload).encode())

            def do_GET(self):
                self.reply(200, json.dumps({"authorization": self.headers.get("Authorization")}).encode())

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

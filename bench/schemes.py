"""What the benchmark sends: one prepared request per scheme, and the data behind it.

``seed()`` creates one credential of every kind (m2m-auth's and the peers';
``bulk.bulk_credentials(n)`` adds n more of each stored kind). A ``Scheme`` is
one request, replayed in-process through Django's WSGI handler: no HTTP
server, so the figures are Django, DRF and the authentication, not the network.
"""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import override_settings

AUDIENCE = "https://api.demo.local"  # the demo migration creates it, with orders:read


@dataclass
class Scheme:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    context: Callable[[], object] = nullcontext

    def environ(self) -> dict:
        return {
            "REQUEST_METHOD": "POST" if self.body else "GET",
            "PATH_INFO": self.path,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "CONTENT_TYPE": "application/x-www-form-urlencoded" if self.body else "",
            "CONTENT_LENGTH": str(len(self.body)),
            **self.headers,
        }


class Replayer:
    """Runs a scheme's request n times through one WSGI handler."""

    def __init__(self):
        self.handler = WSGIHandler()

    def once(self, scheme: Scheme, environ: dict) -> str:
        status = []
        body = self.handler({**environ, "wsgi.input": io.BytesIO(scheme.body)}, lambda s, h, e=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return status[0]

    def run(self, scheme: Scheme, n: int) -> None:
        environ = scheme.environ()
        for _ in range(n):
            self.once(scheme, environ)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def seed() -> dict[str, str]:
    """One credential of each kind; returns their plaintexts and ids."""
    from oauth2_provider.models import Application as DotApplication
    from rest_framework_api_key.models import APIKey
    from rest_framework_simplejwt.tokens import AccessToken

    from m2m_auth import issuing, rbac
    from m2m_auth.oauth import keys
    from m2m_auth.oauth.tokens import issue_access_token

    rbac.create_role("bench-service", "machine", ["orders:read"])
    rbac.create_role("bench-user", "user", ["orders:read"])
    user = get_user_model().objects.create_user("bench-user")
    rbac.grant_role(user.username, "bench-user")
    keys.rotate()
    _, api_key = issuing.create_api_key("bench-key", scopes=["orders:read"])
    _, pat = issuing.create_personal_access_token(user, "bench-pat", scopes=["orders:read"])
    application, secret = issuing.create_application("bench-app", roles=["bench-service"])
    _, peer_key = APIKey.objects.create_key(name="bench")
    dot_secret = "plaintext-secret-0123456789"
    dot = DotApplication.objects.create(
        name="bench", client_type="confidential", authorization_grant_type="client-credentials",
        client_secret=dot_secret, hash_client_secret=False,
    )
    peer_jwt = AccessToken.for_user(user)

    def m2m_jwt(issuer: str) -> str:
        return issue_access_token(issuer_id=issuer, client_id=application.client_id, subject=application.client_id,
                                  audience=AUDIENCE, scopes=["orders:read"], lifetime=24 * 3600)

    return {
        "api_key": api_key, "pat": pat, "client_id": application.client_id, "client_secret": secret,
        "peer_key": peer_key, "dot_client_id": dot.client_id, "dot_secret": dot_secret,
        "peer_jwt": str(peer_jwt), "jwt": m2m_jwt(settings.M2M_AUTH["ISSUER"]), "m2m_jwt": m2m_jwt,
    }


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            connections.close_all()  # the thread's own, kept by CONN_MAX_AGE, would block dropping the database


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def issuer_over_http() -> Iterator[str]:
    """This site served on a loopback port: the issuer a remote-mode server reads."""
    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=_ThreadingServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def never_remembered():
    from unittest import mock

    from m2m_auth import verification

    return mock.patch.object(verification._remembered, "get", lambda key, stamp: None)


def schemes(seeded: dict, remote_issuer: str) -> list[Scheme]:
    remote = {**settings.M2M_AUTH, "ISSUER": remote_issuer, "REMOTE_ISSUER": remote_issuer}
    token_body = b"grant_type=client_credentials"
    return [
        Scheme("bare", "/bare/"),
        Scheme("drf-api-key", "/drf-api-key/", {"HTTP_AUTHORIZATION": f"Api-Key {seeded['peer_key']}"}),
        Scheme("m2m-key", "/m2m-key/", {"HTTP_X_API_KEY": seeded["api_key"]}),
        # the same key, never remembered: the one indexed query on every request (what N stored keys can slow)
        Scheme("m2m-key-lookup", "/m2m-key/", {"HTTP_X_API_KEY": seeded["api_key"]}, context=never_remembered),
        Scheme("m2m-pat", "/m2m-pat/", {"HTTP_AUTHORIZATION": f"Bearer {seeded['pat']}"}),
        Scheme("simplejwt", "/simplejwt/", {"HTTP_AUTHORIZATION": f"Bearer {seeded['peer_jwt']}"}),
        Scheme("m2m-jwt", "/m2m-jwt/", {"HTTP_AUTHORIZATION": f"Bearer {seeded['jwt']}"}),
        Scheme("m2m-jwt-remote", "/m2m-jwt/",
               {"HTTP_AUTHORIZATION": f"Bearer {seeded['m2m_jwt'](remote_issuer)}"},
               context=lambda: override_settings(M2M_AUTH=remote)),
        Scheme("m2m-token", "/oauth/token",
               {"HTTP_AUTHORIZATION": basic(seeded["client_id"], seeded["client_secret"])}, token_body),
        Scheme("dot-token", "/o/token/",
               {"HTTP_AUTHORIZATION": basic(seeded["dot_client_id"], seeded["dot_secret"])}, token_body),
    ]

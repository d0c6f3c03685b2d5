"""Time of authenticating one request, per credential kind and outcome.

    .venv/bin/python bench/auth_path.py                 # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/m2m_bench .venv/bin/python bench/auth_path.py
    PG_PREPARE=1 DATABASE_URL=postgres://... .venv/bin/python bench/auth_path.py

Runs the DRF authentication classes on prepared requests (no HTTP server), so
the figures are the cost m2m_auth adds to a request, database round trip included.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()
if os.environ.get("PG_PREPARE") and settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Django's own switch for server-side prepared statements (not behind a transaction pooler).
    settings.DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework.exceptions import AuthenticationFailed  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from m2m_auth import issuing, rbac  # noqa: E402
from m2m_auth.authentication import ApiKeyAuthentication, PersonalAccessTokenAuthentication  # noqa: E402
from m2m_auth.oauth.authentication import JWTAuthentication  # noqa: E402
from m2m_auth.oauth.tokens import issue_access_token  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3000"))


def per_call_us(auth, headers):
    request = Request(APIRequestFactory().get("/", **headers))
    for _ in range(50):
        attempt(auth, request)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        attempt(auth, request)
    return (time.perf_counter() - start) / ROUNDS * 1e6


def attempt(auth, request):
    try:
        auth.authenticate(request)
    except AuthenticationFailed:
        pass


def main():
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    suffix = os.urandom(4).hex()
    role = rbac.create_role(f"bench-readers-{suffix}", "user", ["orders:read"])
    user = get_user_model().objects.create_user(f"bench-user-{suffix}")
    rbac.grant_role(user.username, role.name)
    _, key = issuing.create_api_key(f"bench-key-{suffix}", scopes=["orders:read", "orders:write"])
    _, pat = issuing.create_personal_access_token(user, "bench-pat", scopes=["orders:read"])
    jwt_token = issue_access_token(issuer_id="http://testserver", client_id="bench", subject="bench",
                                   audience="https://api.demo.local", scopes=["orders:read"], lifetime=900)
    cases = [
        ("API key, valid (X-API-Key)", ApiKeyAuthentication(), {"HTTP_X_API_KEY": key}),
        ("PAT, valid (Bearer)", PersonalAccessTokenAuthentication(), {"HTTP_AUTHORIZATION": f"Bearer {pat}"}),
        ("JWT, valid (Bearer, RS256)", JWTAuthentication(), {"HTTP_AUTHORIZATION": f"Bearer {jwt_token}"}),
        ("API key, bad checksum", ApiKeyAuthentication(), {"HTTP_X_API_KEY": key[:-1] + "x"}),
    ]
    prepared = " (server-side prepared statements)" if os.environ.get("PG_PREPARE") else ""
    print(f"database: {connection.vendor}{prepared}, {ROUNDS} rounds each")
    for label, auth, headers in cases:
        print(f"{label:32} {per_call_us(auth, headers):8.1f} µs per request")


if __name__ == "__main__":
    main()

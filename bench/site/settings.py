"""The benchmark site: the demo's settings, m2m-auth beside its peers.

Peers (the ``bench`` extra): djangorestframework-api-key, simplejwt's
stateless RS256 authentication, and django-oauth-toolkit's own token
endpoint with a plaintext client secret. DEBUG is off: Django's query log
would otherwise be part of every figure.

The benchmark starts gunicorn servers with the same settings; the environment
tells them apart:

BENCH_ISSUER          this site's issuer URL (default http://testserver, the in-process replays)
BENCH_REMOTE_ISSUER   run as a remote resource server of that issuer (JWTs verified from its JWKS)
BENCH_PREPARED        PostgreSQL server-side prepared statements
BENCH_SIMPLEJWT_KEY   simplejwt's RSA private key (PEM), shared by the process minting the
                      tokens and the servers checking them; generated once if unset
"""

import os
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from demo_project.settings import *  # noqa: F403
from demo_project.settings import DATABASES, INSTALLED_APPS, M2M_AUTH, OAUTH2_PROVIDER

DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_api_key"]
ROOT_URLCONF = "bench.site.urls"
WSGI_APPLICATION = "bench.site.wsgi.application"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

_remote_issuer = os.environ.get("BENCH_REMOTE_ISSUER", "")
M2M_AUTH = {
    **M2M_AUTH,
    "ISSUER": _remote_issuer or os.environ.get("BENCH_ISSUER", "http://testserver"),
    "REMOTE_ISSUER": _remote_issuer or None,
    "PEPPER": "bench-pepper-0123456789-0123456789-0123456789",
}
# DOT with a plaintext client secret: its fastest configuration, the one we measure against.
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 3600}

# Persistent connections, as a production site (or its pooler) keeps them: with
# Django's default of one connection per request, PostgreSQL's figures would be
# mostly connecting (~6 ms a request here), and prepared statements would never be reused.
DATABASES["default"]["CONN_MAX_AGE"] = 600
if os.environ.get("BENCH_PREPARED") and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)


def _simplejwt_key() -> str:
    """One key for this process and the servers it starts: they inherit the environment."""
    if not os.environ.get("BENCH_SIMPLEJWT_KEY"):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        os.environ["BENCH_SIMPLEJWT_KEY"] = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    return os.environ["BENCH_SIMPLEJWT_KEY"]


_private_pem = _simplejwt_key()
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "SIGNING_KEY": _private_pem,
    "VERIFYING_KEY": serialization.load_pem_private_key(_private_pem.encode(), password=None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode(),
    "ACCESS_TOKEN_LIFETIME": timedelta(days=1),
}

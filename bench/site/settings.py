"""The benchmark site: the demo's settings, m2m-auth beside its peers.

Peers (the ``bench`` extra): djangorestframework-api-key, simplejwt's
stateless RS256 authentication, and django-oauth-toolkit's own token
endpoint with a plaintext client secret. DEBUG is off: Django's query log
would otherwise be part of every figure.
"""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from demo_project.settings import *  # noqa: F403
from demo_project.settings import INSTALLED_APPS, M2M_AUTH, OAUTH2_PROVIDER

DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_api_key"]
ROOT_URLCONF = "bench.site.urls"
WSGI_APPLICATION = "bench.site.wsgi.application"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

M2M_AUTH = {**M2M_AUTH, "ISSUER": "http://testserver", "PEPPER": "bench-pepper-0123456789-0123456789-0123456789"}
# DOT with a plaintext client secret: its fastest configuration, the one we measure against.
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 3600}

_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "SIGNING_KEY": _private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode(),
    "VERIFYING_KEY": _private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode(),
    "ACCESS_TOKEN_LIFETIME": __import__("datetime").timedelta(days=1),
}

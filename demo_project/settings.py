"""Settings of the demo site, from the environment with working defaults.

DATABASE_URL   default sqlite:///demo.sqlite3 (beside manage.py)
REDIS_URL      optional; the cache (rate limits, coalescing) otherwise lives in the database
SECRET_KEY, DEBUG, ALLOWED_HOSTS, M2M_AUTH_ISSUER
M2M_AUTH_REMOTE_ISSUER (+ M2M_AUTH_REMOTE_CLIENT_ID/_SECRET)   run as a remote resource server
M2M_AUTH_JWKS_MAX_AGE   seconds resource servers may cache the JWKS (default 300)
M2M_AUTH_PEPPER, M2M_AUTH_SIGNING_KEY_ENCRYPTION_KEYS   secrets of their own (else derived from SECRET_KEY)
M2M_AUTH_TRUSTED_PROXIES, M2M_AUTH_FORWARDED_HEADER      the reverse proxies that name the client's address
SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_HSTS_PRELOAD, SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE,
SECURE_PROXY_SSL_HEADER (e.g. X-Forwarded-Proto)       HTTPS in production; see docs/rate-limits-and-proxies.md
"""

from pathlib import Path

import environ

from m2m_auth.dot_settings import RFC9700_COMPLIANT

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
DEMO_SECRET_KEY = "demo-only-insecure-secret-key-change-me-0123456789"
# Without DEBUG the public demo key is marked insecure, so `check --deploy` flags it (security.W009).
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY if DEBUG else "django-insecure-" + DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# HTTPS in production: all off by default, so the demo also runs on plain http.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
if env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env.str("SECURE_PROXY_SSL_HEADER").upper().replace("-", "_"), "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "m2m_auth",
    "demo_project.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_project.urls"
WSGI_APPLICATION = "demo_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'demo.sqlite3'}")}

# A database or cache that is down, or frozen, must cost a request seconds,
# not a worker: m2m_auth answers 503 once these give up (docs/outages.md).
# SQLite under several gunicorn workers: readers never block the writer (WAL),
# and a write transaction takes its lock when it begins, waiting its turn,
# instead of failing with "database is locked" when it upgrades mid-way.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c statement_timeout=10s")
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}

if env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.str("REDIS_URL"),
                          "OPTIONS": REDIS_TIMEOUTS}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "m2m_auth_cache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "m2m_auth:tokens"
LOGOUT_REDIRECT_URL = "home"

# With M2M_AUTH_REMOTE_ISSUER set, the demo is a remote resource server: it
# accepts that issuer's JWTs, verified from its metadata and JWKS alone.
REMOTE_ISSUER = env.str("M2M_AUTH_REMOTE_ISSUER", default="")
LOCAL_CREDENTIALS = [
    "m2m_auth.authentication.ApiKeyAuthentication",
    "m2m_auth.authentication.PersonalAccessTokenAuthentication",
]

# A remote server checks API keys and PATs by introspection at the issuer,
# when it has its own client credentials (an application holding m2m:introspect).
REMOTE_CREDENTIALS = [
    "m2m_auth.authentication.RemoteApiKeyAuthentication",
    "m2m_auth.authentication.RemotePersonalAccessTokenAuthentication",
]
REMOTE_KEY_CLASSES = REMOTE_CREDENTIALS if env.str("M2M_AUTH_REMOTE_CLIENT_ID", default="") else []

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        *(REMOTE_KEY_CLASSES if REMOTE_ISSUER else LOCAL_CREDENTIALS),
        "m2m_auth.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "m2m_auth.handlers.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# /api/schema/ and Swagger UI at /api/docs/, its assets served from here (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "m2m-auth demo API",
    "DESCRIPTION": "Call it with an API key, a personal access token or a client credentials JWT.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

M2M_AUTH = {
    "ISSUER": env.str("M2M_AUTH_ISSUER", default="") or None,
    "JWT_AUDIENCE": ["https://api.demo.local"],
    "REMOTE_ISSUER": REMOTE_ISSUER or None,
    "REMOTE_CLIENT_ID": env.str("M2M_AUTH_REMOTE_CLIENT_ID", default="") or None,
    "REMOTE_CLIENT_SECRET": env.str("M2M_AUTH_REMOTE_CLIENT_SECRET", default="") or None,
    # Seconds resource servers may cache the JWKS; a new signing key waits that long.
    "JWKS_MAX_AGE": env.int("M2M_AUTH_JWKS_MAX_AGE", default=300),
    "PEPPER": env.str("M2M_AUTH_PEPPER", default="") or None,
    "SIGNING_KEY_ENCRYPTION_KEYS": env.list("M2M_AUTH_SIGNING_KEY_ENCRYPTION_KEYS", default=[]),
    # The reverse proxies whose X-Forwarded-For names the client (rate limits,
    # audit log, last use) and who may forward client certificates (mutual TLS).
    # M2M_AUTH_MTLS_TRUSTED_PROXIES is the variable's former name.
    "TRUSTED_PROXIES": env.list("M2M_AUTH_TRUSTED_PROXIES", default=env.list("M2M_AUTH_MTLS_TRUSTED_PROXIES",
                                                                             default=[])),
    "FORWARDED_HEADER": env.str("M2M_AUTH_FORWARDED_HEADER", default="X-Forwarded-For"),
    # Mutual TLS behind nginx (see the README): the client certificate
    # header's format, and the CA for tls_client_auth.
    "MTLS_CERT_HEADER_FORMAT": env.str("M2M_AUTH_MTLS_CERT_HEADER_FORMAT", default="rfc9440"),
    "MTLS_CA_FILE": env.str("M2M_AUTH_MTLS_CA_FILE", default="") or None,
}

# django-oauth-toolkit's RFC 9700 gates, on for the flows m2m-auth does not use.
OAUTH2_PROVIDER = {**RFC9700_COMPLIANT}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"m2m_auth": {"handlers": ["console"], "level": env.str("M2M_AUTH_LOG_LEVEL", default="WARNING")}},
}

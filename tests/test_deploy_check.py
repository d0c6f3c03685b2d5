"""`check --deploy` on the demo in production mode is clean with the documented environment variables."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

# What docs/rate-limits-and-proxies.md tells an operator to set.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "auth.example.com",
    "M2M_AUTH_ISSUER": "https://auth.example.com",
    "M2M_AUTH_PEPPER": secrets.token_urlsafe(48),
    "M2M_AUTH_SIGNING_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
}


def manage(tmp_path, *args, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_project.settings", "REDIS_URL": "",
                   "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3", **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True)


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    manage(tmp_path, "createcachetable", **PRODUCTION)
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
    assert "m2m_auth." not in done.stderr + done.stdout and "oauth2_provider." not in done.stderr + done.stdout


def test_without_its_own_secrets_production_mode_is_flagged(tmp_path):
    unset = {"SECRET_KEY", "M2M_AUTH_ISSUER", "M2M_AUTH_PEPPER", "M2M_AUTH_SIGNING_KEY_ENCRYPTION_KEYS"}
    partial = {name: value for name, value in PRODUCTION.items() if name not in unset}
    done = manage(tmp_path, "check", "--deploy", **partial)
    for warning in ("security.W009", "m2m_auth.W002", "m2m_auth.W003", "m2m_auth.W021"):
        assert warning in done.stderr
    assert "oauth2_provider." not in done.stderr

"""System checks report misconfiguration with ids; none on the demo's settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from m2m_auth.checks import check_exception_handler, check_pepper_for_deploy, check_settings


ROOT = Path(__file__).resolve().parent.parent


def ids(messages):
    return sorted(m.id for m in messages)


def test_manage_py_check_passes_on_the_demo_settings():
    call_command("check", fail_level="WARNING")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("oops", ["m2m_auth.E001"]),
        ({"VENDER": "x"}, ["m2m_auth.E002"]),
        ({"VENDOR": "M2M"}, ["m2m_auth.E003"]),
        ({"API_KEY_HEADER": "Authorization"}, ["m2m_auth.E004"]),
        ({"API_KEY_HEADER": "X Api Key"}, ["m2m_auth.E004"]),
        ({"LAST_USED_INTERVAL": -1}, ["m2m_auth.E005"]),
        ({"PAT_MAX_LIFETIME": "long"}, ["m2m_auth.E005"]),
        ({"PEPPER": "short"}, ["m2m_auth.E006"]),
        ({"PREVIOUS_PEPPERS": "x"}, ["m2m_auth.E007"]),
        ({"PAT_DEFAULT_LIFETIME": 10, "PAT_MAX_LIFETIME": 5}, ["m2m_auth.E008"]),
        ({"VENDOR": "acme", "API_KEY_HEADER": "X-Token"}, []),
        ({"CLIENT_SECRET_LIFETIME": -1}, ["m2m_auth.E005"]),
        ({"CLIENT_SECRET_LIFETIME": None, "API_KEY_DEFAULT_LIFETIME": None}, []),
        ({"PAT_MAX_LIFETIME": 10**12}, ["m2m_auth.E005"]),
        ({"LAST_USED_INTERVAL": True}, ["m2m_auth.E005"]),
        ({"JWT_REVOCATION_CHECK": "yes"}, ["m2m_auth.E040"]),
        ({"JWT_AUDIENCE": "https://api.example.com"}, ["m2m_auth.E040"]),
        ({"BASE_TEMPLATE": None}, ["m2m_auth.E040"]),
        ({"MTLS_CERT_HEADER": "Client Cert"}, ["m2m_auth.E040"]),
        ({"PREVIOUS_PEPPERS": [b"x" * 32, 7]}, ["m2m_auth.E007"]),
    ],
)
def test_settings_errors(value, expected):
    with override_settings(M2M_AUTH=value):
        assert ids(check_settings()) == expected


def test_missing_exception_handler_is_a_warning(settings):
    settings.REST_FRAMEWORK = {}
    assert ids(check_exception_handler()) == ["m2m_auth.W001"]


def test_deploy_check_warns_about_a_derived_pepper(settings):
    settings.M2M_AUTH = {}
    assert ids(check_pepper_for_deploy()) == ["m2m_auth.W002"]
    settings.M2M_AUTH = {"PEPPER": "x" * 40}
    assert ids(check_pepper_for_deploy()) == []


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"ISSUER": "ftp://x"}, ["m2m_auth.E011"]),
        ({"REMOTE_ISSUER": "https://x/?q=1"}, ["m2m_auth.E011"]),
        ({"JWT_LEEWAY": -5}, ["m2m_auth.E012"]),
        ({"ISSUER": "https://auth.example.com"}, []),
    ],
)
def test_oauth_settings_errors(settings, overrides, expected):
    from m2m_auth.oauth.checks import check_oauth_settings

    settings.M2M_AUTH = {**settings.M2M_AUTH, **overrides}
    assert ids(check_oauth_settings()) == expected


@pytest.mark.parametrize("path", ["m2m_auth.authentication.JWTAuthentication",
                                  "m2m_auth.oauth.authentication.JWTAuthentication"])
def test_jwt_authentication_needs_an_audience(settings, path):
    from m2m_auth.oauth.checks import check_oauth_settings

    settings.REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["no.such.Class", path]}
    settings.M2M_AUTH = {"JWT_AUDIENCE": []}
    assert ids(check_oauth_settings()) == ["m2m_auth.E010"]


def test_errors_say_the_wrong_value_and_durations_in_words():
    with override_settings(M2M_AUTH={"CLIENT_SECRET_LIFETIME": -1, "PAT_DEFAULT_LIFETIME": 400 * 86400}):
        messages = [m.msg for m in check_settings()]
    assert any("CLIENT_SECRET_LIFETIME" in m and "it is -1" in m and "or None" in m for m in messages)
    assert "(400 days) exceeds PAT_MAX_LIFETIME (366 days)" in " ".join(messages)


SETTINGS_WITHOUT = """
from tests.settings import *
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != {app!r}]
ROOT_URLCONF = "checks_urls"
"""


@pytest.mark.parametrize("app, expected, status", [("oauth2_provider", "m2m_auth.E041", 1),
                                                   ("rest_framework", "m2m_auth.W040", 0)])
def test_a_missing_app_is_named_before_the_url_checks_fail(tmp_path, app, expected, status):
    (tmp_path / "checks_settings.py").write_text(SETTINGS_WITHOUT.format(app=app))
    (tmp_path / "checks_urls.py").write_text(
        'from django.urls import include, path\nurlpatterns = [path("", include("m2m_auth.urls"))]\n')
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "DJANGO_SETTINGS_MODULE": "checks_settings"}
    run = subprocess.run([sys.executable, "-m", "django", "check"], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == status, run.stderr
    assert expected in run.stderr and "Traceback" not in run.stderr


def test_deploy_check_wants_a_shared_cache(settings):
    from m2m_auth.oauth.checks import check_shared_cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(check_shared_cache()) == ["m2m_auth.W004"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}}
    assert ids(check_shared_cache()) == []


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"TRUSTED_PROXIES": ["10.0.0.5/32", "::1", "unix"]}, []),
        ({"TRUSTED_PROXIES": "10.0.0.5"}, ["m2m_auth.E014"]),
        ({"TRUSTED_PROXIES": ["not-an-address"]}, ["m2m_auth.E014"]),
        ({"TRUSTED_PROXIES": ["0.0.0.0/0"]}, ["m2m_auth.W005"]),
        ({"FORWARDED_HEADER": "Forwarded"}, []),
        ({"FORWARDED_HEADER": "X Forwarded For"}, ["m2m_auth.E020"]),
        ({"MTLS_CERT_HEADER_FORMAT": "apache"}, ["m2m_auth.E015"]),
        ({"MTLS_CA_FILE": "/nonexistent/ca.pem"}, ["m2m_auth.E016"]),
        ({"MTLS_CA_FILE": __file__}, ["m2m_auth.E016"]),
    ],
)
def test_mtls_settings(settings, overrides, expected):
    from m2m_auth.oauth.checks import check_oauth_settings

    settings.M2M_AUTH = {**settings.M2M_AUTH, **overrides}
    assert ids(check_oauth_settings()) == expected


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    call_command("makemigrations", "m2m_auth", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(
    "configured, expected",
    [
        ({"MTLS_TRUSTED_PROXIES": ["10.0.0.5/32"]}, ["m2m_auth.W020"]),
        ({"MTLS_TRUSTED_PROXIES": ["not-an-address"]}, ["m2m_auth.E014", "m2m_auth.W020"]),
        ({"MTLS_TRUSTED_PROXIES": ["10.0.0.5/32"], "TRUSTED_PROXIES": ["10.0.0.6/32"]}, ["m2m_auth.W020"]),
    ],
)
def test_mtls_trusted_proxies_is_a_deprecated_alias(settings, configured, expected):
    from m2m_auth.oauth.checks import check_oauth_settings

    without = {name: value for name, value in settings.M2M_AUTH.items() if name != "TRUSTED_PROXIES"}
    settings.M2M_AUTH = {**without, **configured}
    assert ids(check_oauth_settings()) == expected


def test_deploy_check_wants_an_issuer(settings):
    from m2m_auth.oauth.checks import check_issuer_for_deploy

    settings.M2M_AUTH = {**settings.M2M_AUTH, "ISSUER": None}
    assert ids(check_issuer_for_deploy()) == ["m2m_auth.W021"]
    settings.M2M_AUTH = {**settings.M2M_AUTH, "ISSUER": "https://auth.example.com"}
    assert ids(check_issuer_for_deploy()) == []


def test_settings_are_read_again_when_they_change(settings):
    from m2m_auth.app_settings import app_settings

    settings.M2M_AUTH = {"PEPPER": "a" * 40}
    first = app_settings.peppers()
    assert app_settings.LAST_USED_INTERVAL == 60
    settings.M2M_AUTH = {"PEPPER": "b" * 40, "LAST_USED_INTERVAL": 5}
    assert app_settings.LAST_USED_INTERVAL == 5
    assert set(app_settings.peppers()) != set(first)
    settings.SECRET_KEY = "another secret key of enough length to be accepted by django"
    assert app_settings.peppers() != first

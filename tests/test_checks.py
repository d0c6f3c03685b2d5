"""System checks report misconfiguration with ids; none on the demo's settings."""

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from m2m_auth.checks import check_exception_handler, check_pepper_for_deploy, check_settings


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

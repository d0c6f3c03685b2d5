"""The client's address: the peer's, or a trusted proxy's forwarding header, never anyone's header."""

import pytest
from django.test import RequestFactory

from m2m_auth import addresses, issuing
from m2m_auth.models import AuditEvent

from .oauth_helpers import TOKEN_URL, basic

PROXY = "10.0.0.5"


@pytest.fixture
def proxied(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": [f"{PROXY}/32", "10.1.0.0/16"]}
    return settings


def address(**meta):
    return addresses.client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    "meta, expected",
    [
        ({"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "203.0.113.9"),  # not a proxy
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "198.51.100.1"),
        ({"REMOTE_ADDR": PROXY}, PROXY),  # the proxy's own request
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.1"}, "198.51.100.1"),  # spoofed left
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "10.1.0.7, 10.1.2.3"}, "10.1.0.7"),  # all proxies
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "[2001:db8::1]:4711"}, "2001:db8::1"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1:443"}, "198.51.100.1"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "::ffff:198.51.100.1"}, "198.51.100.1"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-address"}, None),
        ({"REMOTE_ADDR": f"::ffff:{PROXY}", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "198.51.100.1"),
        ({"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, None),  # a socket, not trusted
    ],
)
def test_x_forwarded_for_is_read_from_trusted_proxies_only(proxied, meta, expected):
    assert address(**meta) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": []}
    assert address(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1") == "127.0.0.1"


def test_a_unix_socket_proxy_is_trusted_when_listed(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": ["unix"]}
    assert address(REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.1") == "198.51.100.1"
    assert address(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1") == "127.0.0.1"


@pytest.mark.parametrize(
    "header, expected",
    [
        ('for=198.51.100.1;proto=https;by=10.0.0.5', "198.51.100.1"),
        ('for=6.6.6.6, for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17"),
        ('for=198.51.100.1, for=10.1.0.9;proto=http', "198.51.100.1"),
        ('for=_hidden', None),
        ('for=unknown, for=198.51.100.1', "198.51.100.1"),
    ],
)
def test_rfc7239_forwarded(proxied, header, expected):
    proxied.M2M_AUTH = {**proxied.M2M_AUTH, "FORWARDED_HEADER": "Forwarded"}
    assert address(REMOTE_ADDR=PROXY, HTTP_FORWARDED=header, HTTP_X_FORWARDED_FOR="6.6.6.6") == expected


def test_mtls_trusted_proxies_still_works_as_an_alias(settings):
    settings.M2M_AUTH = {name: value for name, value in settings.M2M_AUTH.items() if name != "TRUSTED_PROXIES"}
    settings.M2M_AUTH["MTLS_TRUSTED_PROXIES"] = [f"{PROXY}/32"]
    assert address(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1") == "198.51.100.1"


@pytest.mark.parametrize("broken", [["not-a-network"], "10.0.0.5", [["nested"]]])
def test_a_broken_setting_trusts_nobody(settings, broken):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": broken}
    assert address(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1") == PROXY


@pytest.mark.django_db
def test_audit_and_last_use_name_the_forwarded_client(client, proxied, make_role):
    role = make_role(["orders:read"], kind="machine")
    app, secret = issuing.create_application("behind-proxy", roles=[role.name])
    forwarded = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **forwarded,
                       **basic(app.client_id, "m2m_cs_wrong")).status_code == 401
    assert AuditEvent.objects.get(action=AuditEvent.Action.AUTH_FAILED).address == "198.51.100.7"
    assert client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **forwarded,
                       **basic(app.client_id, secret)).status_code == 200
    assert app.secrets.get().last_used_from == "198.51.100.7"


def test_a_remembered_answer_follows_a_settings_change(settings):
    forwarded = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1", "HTTP_FORWARDED": "for=198.51.100.2"}
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": []}
    assert address(**forwarded) == address(**forwarded) == PROXY
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": [PROXY]}
    assert address(**forwarded) == "198.51.100.1"
    settings.M2M_AUTH = {**settings.M2M_AUTH, "FORWARDED_HEADER": "Forwarded"}
    assert address(**forwarded) == "198.51.100.2"
    assert addresses.from_trusted_proxy(forwarded)


def test_answers_kept_are_bounded_and_long_headers_not_kept(proxied):
    for n in range(addresses.ANSWERS_KEPT + 10):
        assert address(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.{n // 256}.{n % 256}") is not None
    long = ", ".join(["10.1.0.1"] * 100) + ", 198.51.100.9"
    assert address(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=long) == "198.51.100.9"
    kept = addresses.app_settings.derived(addresses.Proxies).answers
    assert 0 < len(kept) <= addresses.ANSWERS_KEPT and all(len(header or "") <= 256 for _, header in kept)

"""Mutual TLS (RFC 8705) behind a trusted proxy: client auth and bound tokens."""

import pytest

from m2m_auth import issuing
from m2m_auth.exceptions import InvalidInput
from m2m_auth.oauth import clients, mtls

from . import certs
from .oauth_helpers import TOKEN_URL, basic, bearer, unverified

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.5"


@pytest.fixture(scope="module")
def ca():
    return certs.certificate_authority()


@pytest.fixture
def mtls_settings(settings, ca, tmp_path):
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.pem)
    settings.M2M_AUTH = {**settings.M2M_AUTH, "TRUSTED_PROXIES": [f"{PROXY}/32"], "MTLS_CA_FILE": str(ca_file)}
    mtls.trusted_store.cache_clear()
    return settings


@pytest.fixture
def service(make_role):
    role = make_role(["orders:read"], kind="machine")
    return issuing.create_application("mtls-client", roles=[role.name])


def via_proxy(certificate, address=PROXY):
    return {"HTTP_CLIENT_CERT": certificate.rfc9440(), "REMOTE_ADDR": address}


def token_by_certificate(client, app, certificate, address=PROXY):
    form = {"grant_type": "client_credentials", "client_id": app.client_id}
    return client.post(TOKEN_URL, form, **via_proxy(certificate, address))


def test_tls_client_auth_by_subject_binds_the_token(client, mtls_settings, ca, service):
    app, _ = service
    good = certs.issue(ca, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    response = token_by_certificate(client, app, good)
    assert response.status_code == 200
    _, claims = unverified(response.json()["access_token"])
    assert claims["cnf"] == {"x5t#S256": mtls.thumbprint(good.certificate)}
    token = response.json()["access_token"]
    assert client.get("/api/whoami/", **bearer(token), **via_proxy(good)).status_code == 200


def test_a_bound_token_is_useless_without_its_certificate(client, mtls_settings, ca, service):
    app, _ = service
    good, other = certs.issue(ca, "billing"), certs.issue(ca, "someone-else")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    token = token_by_certificate(client, app, good).json()["access_token"]
    assert client.get("/api/whoami/", **bearer(token)).status_code == 401
    assert client.get("/api/whoami/", **bearer(token), **via_proxy(other)).status_code == 401
    assert client.get("/api/whoami/", **bearer(token), **via_proxy(good, "192.0.2.1")).status_code == 401


def test_tls_client_auth_by_san(client, mtls_settings, ca, service):
    app, _ = service
    clients.register_tls(app, san="dns:billing.internal")
    assert token_by_certificate(client, app, certs.issue(ca, "x", dns=["billing.internal"])).status_code == 200
    assert token_by_certificate(client, app, certs.issue(ca, "x", dns=["other.internal"])).status_code == 401


def test_a_matching_subject_from_another_ca_is_refused(client, mtls_settings, service):
    app, _ = service
    rogue = certs.issue(certs.certificate_authority("Rogue CA"), "billing")
    clients.register_tls(app, subject_dn=rogue.certificate.subject.rfc4514_string())
    assert token_by_certificate(client, app, rogue).status_code == 401


def trust_only(settings, tmp_path, authority) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(authority.pem)
    settings.M2M_AUTH = {**settings.M2M_AUTH, "MTLS_CA_FILE": str(ca_file)}


@pytest.mark.parametrize("key_usage, status", [(None, 200), (False, 401)])
def test_a_ca_without_key_usage_is_trusted_one_forbidden_to_sign_is_not(client, mtls_settings, tmp_path, service,
                                                                        key_usage, status):
    app, _ = service
    authority = certs.certificate_authority("openssl-style CA", key_usage=key_usage)
    trust_only(mtls_settings, tmp_path, authority)
    good = certs.issue(authority, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    assert token_by_certificate(client, app, good).status_code == status


def test_a_replaced_ca_file_is_read_again(client, mtls_settings, tmp_path, ca, service):
    import os

    app, _ = service
    newer = certs.certificate_authority("Newer CA")
    good = certs.issue(newer, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    assert token_by_certificate(client, app, good).status_code == 401
    ca_file = mtls_settings.M2M_AUTH["MTLS_CA_FILE"]
    with open(ca_file, "ab") as bundle:
        bundle.write(newer.pem)
    stat = os.stat(ca_file)
    os.utime(ca_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert token_by_certificate(client, app, good).status_code == 200


@pytest.mark.parametrize("written, stored", [
    ("CN=billing,O=Example", "CN=billing,O=Example"),
    ("CN=billing, O=Example", "CN=billing,O=Example"),
    ("C = US, O = Example, CN = billing", "CN=billing,O=Example,C=US"),  # OpenSSL's default print, reversed
    ("subject=O = Example, CN = billing", "CN=billing,O=Example"),
])
def test_subject_dns_are_stored_in_rfc_4514_order(written, stored):
    assert clients.validate_tls_subject(written) == stored


def test_self_signed_tls_client_auth(client, mtls_settings, service):
    app, _ = service
    mine, stranger = certs.self_signed("mine"), certs.self_signed("stranger")
    clients.register_tls(app, certificates=[mine.pem])
    response = token_by_certificate(client, app, mine)
    assert response.status_code == 200 and "cnf" in unverified(response.json()["access_token"])[1]
    assert token_by_certificate(client, app, stranger).status_code == 401


def test_a_forged_header_from_an_untrusted_address_authenticates_nothing(client, mtls_settings, ca, service):
    app, _ = service
    good = certs.issue(ca, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    assert token_by_certificate(client, app, good, address="127.0.0.1").status_code == 401


def test_no_trusted_proxy_configured_means_no_certificate(client, settings, ca, service):
    app, _ = service
    good = certs.issue(ca, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    assert token_by_certificate(client, app, good).status_code == 401


def test_nginx_header_format(client, mtls_settings, ca, service):
    mtls_settings.M2M_AUTH = {**mtls_settings.M2M_AUTH, "MTLS_CERT_HEADER_FORMAT": "nginx"}
    app, _ = service
    good = certs.issue(ca, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    form = {"grant_type": "client_credentials", "client_id": app.client_id}
    response = client.post(TOKEN_URL, form, HTTP_CLIENT_CERT=good.nginx_escaped(), REMOTE_ADDR=PROXY)
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["garbage", ":not-base64!:", ":" + "A" * 20000 + ":"])
def test_unreadable_certificate_headers_authenticate_nothing(client, mtls_settings, service, header):
    app, _ = service
    form = {"grant_type": "client_credentials", "client_id": app.client_id}
    assert client.post(TOKEN_URL, form, HTTP_CLIENT_CERT=header, REMOTE_ADDR=PROXY).status_code == 401


def test_secret_authentication_issues_unbound_tokens(client, mtls_settings, ca, service):
    app, secret = service
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **basic(app.client_id, secret))
    assert "cnf" not in unverified(response.json()["access_token"])[1]


def test_introspection_returns_cnf_and_metadata_advertises_mtls(client, mtls_settings, ca, service):
    app, _ = service
    good = certs.issue(ca, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    token = token_by_certificate(client, app, good).json()["access_token"]
    form = {"token": token, "client_id": app.client_id}
    body = client.post("/oauth/introspect", form, **via_proxy(good)).json()
    assert body["active"] and body["cnf"] == {"x5t#S256": mtls.thumbprint(good.certificate)}
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["tls_client_certificate_bound_access_tokens"] is True
    assert {"tls_client_auth", "self_signed_tls_client_auth"} <= set(metadata["token_endpoint_auth_methods_supported"])


@pytest.mark.parametrize("kwargs", [{"subject_dn": "not a DN"}, {"san": "ftp:x"}, {"san": "dns:"},
                                    {"certificates": [b"-----BEGIN CERTIFICATE-----\nnope\n"]}])
def test_bad_registrations_are_refused(service, kwargs):
    with pytest.raises(InvalidInput):
        clients.register_tls(service[0], **kwargs)


def run(*args):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("m2m", *args, stdout=out)
    return out.getvalue()


def test_cli_registers_subjects_sans_and_certificates(tmp_path, ca):
    import json

    from m2m_auth.models import Application

    mine = certs.self_signed("cli")
    path = tmp_path / "mine.pem"
    path.write_bytes(mine.pem)
    record = json.loads(run("app", "create", "cli-mtls", "--tls-subject", "CN=billing,O=Example", "--json"))
    app = Application.objects.get(client_id=record["client_id"])
    assert app.tls_subject_dn == "CN=billing,O=Example"
    printed = json.loads(run("app", "register-cert", app.client_id, "--tls-san", "dns:billing.internal",
                             "--tls-cert", str(path), "--json"))
    app.refresh_from_db()
    assert app.tls_san == "dns:billing.internal"
    assert app.tls_certificate_thumbprints == [mtls.thumbprint(mine.certificate)]
    assert printed == {"id": str(app.pk), "client_id": app.client_id, "tls_subject_dn": "CN=billing,O=Example",
                       "tls_san": "dns:billing.internal",
                       "tls_certificate_thumbprints": [mtls.thumbprint(mine.certificate)]}


def test_cli_creates_a_certificate_only_application(client, mtls_settings, ca):
    import json

    from m2m_auth.models import Application

    good = certs.issue(ca, "billing")
    run("role", "create", "cert-only-role", "--kind", "machine", "--scope", "orders:read")
    record = json.loads(run("app", "create", "cert-only", "--role", "cert-only-role", "--no-secret", "--json",
                            "--tls-subject", good.certificate.subject.rfc4514_string()))
    assert record["client_secret"] is None
    app = Application.objects.get(client_id=record["client_id"])
    assert not app.secrets.exists()
    assert token_by_certificate(client, app, good).status_code == 200
    assert "no client secret" in run("app", "create", "cert-only-2", "--no-secret", "--tls-san", "dns:x.internal")


@pytest.mark.parametrize("args, message", [
    (["--tls-subject", "nonsense"], "Invalid subject DN"),
    (["--tls-cert", "/no/such/file.pem"], "Cannot read a certificate file"),
    ([], "Give --tls-subject"),
])
def test_cli_registration_errors(service, args, message):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=message):
        run("app", "register-cert", service[0].client_id, *args)


def test_no_secret_needs_another_way_to_authenticate(db):
    from django.core.management import CommandError

    from m2m_auth.models import Application

    with pytest.raises(CommandError, match="Without a client secret the application needs a JWKS or a TLS"):
        run("app", "create", "locked-out", "--no-secret")
    assert not Application.objects.filter(name="locked-out").exists()


def admin_form(app, **overrides):
    data = {"name": app.name, "description": "", "jwks": "", "tls_subject_dn": "", "tls_san": "",
            "tls_certificate_thumbprints": "", "add_certificate": "",
            "secrets-TOTAL_FORMS": "0", "secrets-INITIAL_FORMS": "0", "secrets-MIN_NUM_FORMS": "0",
            "secrets-MAX_NUM_FORMS": "1000"}
    return {**data, **overrides}


def test_admin_registers_a_subject_and_a_self_signed_certificate(admin_client, service):
    from m2m_auth.models import Application

    app, _ = service
    mine = certs.self_signed("admin-registered")
    url = f"/admin/m2m_auth/application/{app.pk}/change/"
    response = admin_client.post(url, admin_form(app, tls_subject_dn="CN=billing, O=Example",
                                                 add_certificate=mine.pem.decode()))
    assert response.status_code == 302, response.content.decode()[:2000]
    app = Application.objects.get(pk=app.pk)
    assert app.tls_subject_dn == "CN=billing,O=Example"
    assert app.tls_certificate_thumbprints == [mtls.thumbprint(mine.certificate)]
    emptied = admin_client.post(url, admin_form(app, tls_certificate_thumbprints=""))
    assert emptied.status_code == 302 and Application.objects.get(pk=app.pk).tls_certificate_thumbprints == []


@pytest.mark.parametrize("field, value, message", [
    ("tls_subject_dn", "not a DN", "Invalid subject DN"),
    ("tls_san", "ftp:x", "Invalid SAN"),
    ("add_certificate", "-----BEGIN CERTIFICATE-----\nnope", "not a PEM X.509 certificate"),
    ("jwks", '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "only public keys"),
    ("tls_certificate_thumbprints", "not-a-thumbprint", "Line 1 is not an x5t#S256 thumbprint"),
    ("tls_certificate_thumbprints", '["a"]', "x5t#S256 thumbprint"),
])
def test_admin_refuses_bad_registrations(admin_client, service, field, value, message):
    app, _ = service
    response = admin_client.post(f"/admin/m2m_auth/application/{app.pk}/change/", admin_form(app, **{field: value}))
    assert response.status_code == 200 and message in response.content.decode()


@pytest.mark.parametrize("overrides", [{"MTLS_CA_FILE": __file__}, {"TRUSTED_PROXIES": ["not-a-network"]}])
def test_a_broken_mtls_setting_fails_closed_not_500(client, mtls_settings, ca, service, overrides):
    app, _ = service
    good = certs.issue(ca, "billing")
    clients.register_tls(app, subject_dn=good.certificate.subject.rfc4514_string())
    mtls_settings.M2M_AUTH = {**mtls_settings.M2M_AUTH, **overrides}
    response = token_by_certificate(client, app, good)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"

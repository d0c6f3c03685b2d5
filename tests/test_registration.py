"""Registering an application with its keys and certificates is one all-or-nothing step."""

import pytest

from m2m_auth.exceptions import InvalidInput
from m2m_auth.models import Application
from m2m_auth.oauth import mtls, registration

from .certs import self_signed

pytestmark = pytest.mark.django_db


def test_a_secretless_application_needs_another_way_to_authenticate():
    with pytest.raises(InvalidInput, match="must authenticate somehow"):
        registration.register_application("locked-out", with_secret=False)
    assert not Application.objects.exists()


def test_a_bad_key_set_leaves_no_half_registered_application():
    with pytest.raises(InvalidInput):
        registration.register_application("half", jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    assert not Application.objects.exists()


def test_certificate_only_registration():
    certificate = self_signed("only-cert")
    app, secret = registration.register_application("cert-only", with_secret=False, certificates=[certificate.pem],
                                                    tls_san="dns:svc.internal")
    assert secret is None and not app.secrets.exists() and app.tls_san == "dns:svc.internal"
    assert app.tls_certificate_thumbprints == [mtls.thumbprint_of_pem(certificate.pem)]

"""m2m_auth.challenges: a scheme we do not accept gets a 401 that names the ones we do."""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from m2m_auth.authentication import PersonalAccessTokenAuthentication

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", ["Token 0123abcd", "Api-Key m2m_ak_x.y", "Basic dXNlcjpwdw==", "token abc"])
def test_foreign_scheme_is_told_the_right_header(api_client, header):
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    scheme = header.split()[0]
    detail = response.json()["detail"]
    assert f"'{scheme}' is not accepted" in detail
    assert "X-API-Key: <key>" in detail and "Authorization: Bearer <token>" in detail
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_request", error_description="')
    assert "X-API-Key: <key>" in challenge
    assert header.split()[1] not in detail + challenge


def test_scheme_that_is_not_a_token_is_not_echoed(api_client):
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION='We"ird value')
    assert response.status_code == 401
    assert "scheme used is not accepted" in response.json()["detail"]
    assert 'We"ird' not in response["WWW-Authenticate"]


def test_no_credential_and_bad_bearer_keep_their_answers(api_client):
    missing = api_client.get("/api/whoami/")
    assert missing.json() == {"detail": "Authentication credentials were not provided."}
    assert missing["WWW-Authenticate"] == 'Bearer realm="api"'
    bad = api_client.get("/api/whoami/", HTTP_AUTHORIZATION="Bearer m2m_ak_not_a_key")
    assert bad.json() == {"detail": "Invalid credentials."}
    assert bad["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


class PatOnlyView(APIView):
    authentication_classes = [PersonalAccessTokenAuthentication]

    def get(self, request):
        return Response({})


def test_hint_names_only_the_view_classes():
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION="Token abc")
    detail = PatOnlyView.as_view()(request).data["detail"]
    assert detail == "The authorization scheme 'Token' is not accepted here; send Authorization: Bearer <token>."

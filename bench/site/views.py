"""One trivial view per scheme: the same answer, only the authentication differs."""

from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_api_key.permissions import HasAPIKey
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from m2m_auth.authentication import ApiKeyAuthentication, PersonalAccessTokenAuthentication
from m2m_auth.oauth.authentication import JWTAuthentication
from m2m_auth.permissions import require_scopes


class Trivial(APIView):
    def get(self, request):
        return Response({"ok": True})


def view(authentication=(), permission=AllowAny):
    return Trivial.as_view(authentication_classes=list(authentication), permission_classes=[permission])


READ = require_scopes("orders:read")

VIEWS = {
    "bare": view(),
    "drf-api-key": view(permission=HasAPIKey),
    "m2m-key": view([ApiKeyAuthentication], READ),
    "m2m-pat": view([PersonalAccessTokenAuthentication], READ),
    "m2m-jwt": view([JWTAuthentication], READ),
    "simplejwt": view([JWTStatelessUserAuthentication], IsAuthenticated),
}

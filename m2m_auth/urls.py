"""URLs mounted by ``include("m2m_auth.urls")``; clients discover them from the metadata."""

from django.urls import path

from .oauth import views
from .oauth.jwks_view import jwks_view

app_name = "m2m_auth"

urlpatterns = [
    path(".well-known/oauth-authorization-server", views.metadata_view, name="metadata"),
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("oauth/token", views.TokenView.as_view(), name="token"),
    path("oauth/introspect", views.IntrospectView.as_view(), name="introspect"),
    path("oauth/revoke", views.RevokeView.as_view(), name="revoke"),
]

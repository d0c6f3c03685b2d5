"""URLs mounted by ``include("m2m_auth.urls")``: the OAuth endpoints (clients
discover them from the metadata) and the self-service token pages."""

from django.apps import apps
from django.urls import path

from . import selfservice
from .oauth import feed_views
from .oauth.jwks_view import jwks_view

app_name = "m2m_auth"

urlpatterns = [
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("oauth/revocations", feed_views.revocation_feed_view, name="revocation-feed"),
    path("m2m-auth/health", feed_views.health_view, name="health"),
    path("account/tokens/", selfservice.tokens, name="tokens"),
    path("account/tokens/<str:public_id>/revoke/", selfservice.revoke_token, name="token-revoke"),
]

# Without django-oauth-toolkit installed its views cannot even be imported; the
# system check m2m_auth.E041 says what to add instead of a RuntimeError here.
if apps.is_installed("oauth2_provider"):
    from .oauth import views

    urlpatterns += [
        path(".well-known/oauth-authorization-server", views.metadata_view, name="metadata"),
        path("oauth/token", views.TokenView.as_view(), name="token"),
        path("oauth/introspect", views.IntrospectView.as_view(), name="introspect"),
        path("oauth/revoke", views.RevokeView.as_view(), name="revoke"),
    ]

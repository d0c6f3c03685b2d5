from django.urls import include, path

from .views import VIEWS

urlpatterns = [
    *(path(f"{name}/", view) for name, view in VIEWS.items()),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("", include("m2m_auth.urls")),
]

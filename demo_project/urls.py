from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from m2m_auth.admin import hide_oauth_toolkit_models

hide_oauth_toolkit_models()

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("demo_project.api.urls")),
    path("", include("m2m_auth.urls")),
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("demo_project.api.urls")),
    path("", include("m2m_auth.urls")),
]

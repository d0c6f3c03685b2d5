"""URLs mounted by ``include("m2m_auth.urls")``.

The OAuth endpoints (token, JWKS, metadata, introspection, revocation) and
the self-service pages join this list as they are built.
"""

app_name = "m2m_auth"

urlpatterns: list = []

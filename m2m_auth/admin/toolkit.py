"""django-oauth-toolkit's own models, which m2m-auth never reads.

m2m-auth issues and verifies tokens from its own tables, so an operator who
registers a client in the toolkit's "Applications" screen gets a client that
cannot authenticate. Sites that use the toolkit only through m2m-auth hide
those screens with ``hide_oauth_toolkit_models()`` in their ``urls.py``.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin


def hide_oauth_toolkit_models(site: admin.AdminSite = admin.site) -> None:
    if not apps.is_installed("oauth2_provider"):
        return  # the system check m2m_auth.E041 reports it
    from oauth2_provider import models as toolkit

    models = [toolkit.get_application_model(), toolkit.get_access_token_model(), toolkit.get_grant_model(),
              toolkit.get_id_token_model(), toolkit.get_refresh_token_model()]
    for model in models:
        if site.is_registered(model):
            site.unregister(model)

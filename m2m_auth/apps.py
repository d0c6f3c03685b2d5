from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class M2MAuthConfig(AppConfig):
    name = "m2m_auth"
    verbose_name = _("Machine-to-machine authentication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import cache_check, checks  # noqa: F401  (registers the system checks)
        from .oauth import checks as oauth_checks  # noqa: F401
        from .oauth import remote_checks  # noqa: F401

        self.watch_what_workers_remember()

        if find_spec("drf_spectacular") is not None:
            from . import openapi  # noqa: F401  (defining the extensions registers them)

    def watch_what_workers_remember(self) -> None:
        from django.contrib.auth import get_user_model

        from . import freshness
        from .models import (ApiKey, ApiResource, Application, ClientSecret, Permission, PersonalAccessToken,
                             RevokedToken, Role, RoleAssignment, SigningKey)

        freshness.watch(ApiKey, PersonalAccessToken, ClientSecret, Application, ApiResource, Permission, Role,
                        RoleAssignment, SigningKey, RevokedToken, get_user_model())

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application
from .base import SecretCredential
from .names import clean_name
from .rbac import Permission, Role


class ApiKey(SecretCredential):
    """A key for a service or integration; scopes given directly or by roles."""

    object_kind = "api_key"
    prefix_code = "ak"

    name = models.CharField(_("name"), max_length=100)
    application = models.ForeignKey(
        Application, models.CASCADE, related_name="api_keys", null=True, blank=True
    )
    scopes = models.ManyToManyField(Permission, related_name="api_keys", blank=True)
    roles = models.ManyToManyField(
        Role, related_name="api_keys", blank=True, limit_choices_to={"kind": Role.Kind.MACHINE}
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(revoked_at__isnull=True), name="m2m_auth_unique_live_api_key_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def clean(self) -> None:
        clean_name(self)

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application
from .base import SecretCredential, SecretQuerySet
from .names import clean_name
from .rbac import Permission, Role


class ApiKeyQuerySet(SecretQuerySet):
    def current(self):
        """Neither revoked nor rolled: the key a name stands for (expired or not)."""
        return self.filter(revoked_at__isnull=True, rolled_at__isnull=True)


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
    # Rolling: the old key gets rolled_at (and keeps working through the overlap
    # window, under the same name); its successor points back by rolled_from.
    rolled_at = models.DateTimeField(_("rolled at"), null=True, blank=True, editable=False)
    rolled_from = models.OneToOneField(
        "self", models.SET_NULL, null=True, blank=True, editable=False, related_name="rolled_to",
        verbose_name=_("rolled from"),
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(revoked_at__isnull=True, rolled_at__isnull=True),
                name="m2m_auth_unique_current_api_key_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def clean(self) -> None:
        clean_name(self)

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import SecretCredential
from .names import clean_name
from .rbac import Permission


class PersonalAccessToken(SecretCredential):
    """Acts as its user, with its scopes narrowed to what the user holds now."""

    object_kind = "personal_access_token"
    prefix_code = "pat"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="m2m_tokens")
    name = models.CharField(_("name"), max_length=100)
    scopes = models.ManyToManyField(Permission, related_name="personal_access_tokens", blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal access token")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="m2m_auth_unique_live_token_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def clean(self) -> None:
        clean_name(self)

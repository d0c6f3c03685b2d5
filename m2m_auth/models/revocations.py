from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RevokedTokenQuerySet(models.QuerySet):
    def unexpired(self):
        return self.filter(expires_at__gt=timezone.now())


class RevokedToken(models.Model):
    """A revoked JWT access token, by ``jti``, kept until the token would have expired."""

    jti = models.CharField(_("token id (jti)"), max_length=64, unique=True)
    client_id = models.CharField(_("client id"), max_length=40)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), default=timezone.now)

    objects = RevokedTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-revoked_at"]
        verbose_name = _("revoked access token")

    def __str__(self) -> str:
        return self.jti

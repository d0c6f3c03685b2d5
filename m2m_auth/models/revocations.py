from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..freshness import StampedQuerySet


def _verifiable_since():
    """Tokens that expired after this moment still pass verification's leeway."""
    from ..app_settings import app_settings

    return timezone.now() - timedelta(seconds=app_settings.JWT_LEEWAY)


class RevokedTokenQuerySet(StampedQuerySet):
    def unexpired(self):
        """Rows the deny-list still needs: their token could still be accepted."""
        return self.filter(expires_at__gt=_verifiable_since())

    def expired(self):
        return self.filter(expires_at__lte=_verifiable_since())


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

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExpiryNotice(models.Model):
    """That a credential's coming expiry was announced: one notice per credential per expiry date.

    A credential whose expiry moves (a rolled key, a rotated secret) enters a
    new warning window and is announced again.
    """

    kind = models.CharField(_("kind"), max_length=30)
    target_id = models.CharField(_("target id"), max_length=64)
    expires_at = models.DateTimeField(_("expires at"))
    notified_at = models.DateTimeField(_("notified at"), default=timezone.now)

    class Meta:
        ordering = ["-notified_at"]
        verbose_name = _("expiry notice")
        constraints = [
            models.UniqueConstraint(fields=["kind", "target_id", "expires_at"], name="m2m_auth_one_notice_per_expiry")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id} expires {self.expires_at:%Y-%m-%d %H:%M}"

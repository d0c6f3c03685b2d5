from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CredentialUsage(models.Model):
    """Per credential and day: how many last-used intervals saw it used.

    Written together with the coalesced last-used update, so at most once per
    credential per ``LAST_USED_INTERVAL``; it draws the admin's usage charts.
    """

    kind = models.CharField(max_length=30)
    public_id = models.CharField(max_length=12)
    day = models.DateField()
    intervals = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("credential usage")
        constraints = [
            models.UniqueConstraint(fields=["kind", "public_id", "day"], name="m2m_auth_one_usage_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} {self.day}: {self.intervals}"

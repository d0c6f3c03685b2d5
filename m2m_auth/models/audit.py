from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """What happened to which credential, by whom, from where; never a secret."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        ROTATE = "rotate", _("rotate")
        REVOKE = "revoke", _("revoke")
        UPDATE = "update", _("update")
        GRANT = "grant", _("grant")
        UNGRANT = "ungrant", _("ungrant")
        DELETE = "delete", _("delete")
        AUTH_FAILED = "auth_failed", _("failed authentication")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target_kind = models.CharField(_("target kind"), max_length=30)
    target_id = models.CharField(_("target id"), max_length=255, blank=True, db_index=True)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.action} {self.target_kind} {self.target_id}"

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RevocationEvent(models.Model):
    """One entry of the public revocation feed; its auto id is the feed's cursor.

    ``expires_at`` is when a follower may forget the entry: a JWT's expiry, or
    for an API key or PAT the end of the time a remote server may cache a
    positive introspection answer (see ``m2m_auth/feed.py``).
    """

    class Kind(models.TextChoices):
        JWT = "jwt", _("JWT access token")
        API_KEY = "api_key", _("API key")
        PERSONAL_ACCESS_TOKEN = "personal_access_token", _("personal access token")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    identifier = models.CharField(_("jti or public id"), max_length=64)
    expires_at = models.DateTimeField(_("forget after"), db_index=True)
    created_at = models.DateTimeField(_("revoked at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("revocation feed event")

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier}"

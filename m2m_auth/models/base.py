"""The abstract base of every stored secret: API keys, PATs, client secrets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import hashing
from ..freshness import StampedQuerySet


_Credential = TypeVar("_Credential", bound="SecretCredential")


class SecretQuerySet(StampedQuerySet, models.QuerySet[_Credential]):
    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def expired(self):
        return self.filter(revoked_at__isnull=True, expires_at__lte=timezone.now())

    def active(self):
        not_expired = models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        return self.filter(not_expired, revoked_at__isnull=True)

    def expiring(self, within: timedelta):
        """Active now, and expiring within ``within`` from now."""
        return self.active().filter(expires_at__lte=timezone.now() + within)

    def create_with_secret(self, **fields: Any) -> tuple[_Credential, str]:
        """A new credential with a fresh secret: (object, plaintext), the plaintext shown this once."""
        secret = hashing.new_secret(self.model.object_kind)
        credential = self.create(public_id=secret.public_id, secret_hash=secret.secret_hash, **fields)
        return credential, secret.plaintext


class SecretCredential(models.Model):
    """Only the tagged keyed hash of the secret is stored, never the secret.

    ``object_kind`` names the kind in audit rows and principals;
    ``prefix_code`` is the typed part of the secret's prefix (``m2m_ak_``).
    """

    object_kind: ClassVar[str]
    prefix_code: ClassVar[str]

    public_id = models.CharField(_("public id"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.CharField(_("created by"), max_length=150, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.CharField(_("revoked by"), max_length=150, blank=True, editable=False)
    revoke_reason = models.CharField(_("revoke reason"), max_length=200, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    last_used_from = models.GenericIPAddressField(_("last used from"), null=True, blank=True, editable=False)
    # Uses per day, written with last_used_at in the same UPDATE (see recent_usage.py).
    recent_usage = models.TextField(_("recent usage"), blank=True, default="", editable=False)

    objects = SecretQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not (self.is_revoked or self.is_expired)

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired else "active"

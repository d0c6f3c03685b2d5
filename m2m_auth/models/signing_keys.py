from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..freshness import StampedQuerySet


class SigningKey(models.Model):
    """A JWT signing key; the private part is stored encrypted (see ``oauth/keys.py``).

    next: published, not yet signing; current: signs; previous: published so
    that tokens it signed stay valid; retired: gone from the JWKS.
    """

    class State(models.TextChoices):
        NEXT = "next", _("next")
        CURRENT = "current", _("current")
        PREVIOUS = "previous", _("previous")
        RETIRED = "retired", _("retired")

    class Algorithm(models.TextChoices):
        RS256 = "RS256", "RS256"
        ES256 = "ES256", "ES256"
        EDDSA = "EdDSA", "EdDSA"

    kid = models.CharField(_("key id"), max_length=40, unique=True, editable=False)
    algorithm = models.CharField(_("algorithm"), max_length=10, choices=Algorithm.choices, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEXT, db_index=True)
    private_key_encrypted = models.TextField(editable=False)
    public_jwk = models.JSONField(_("public key (JWK)"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)
    demoted_at = models.DateTimeField(_("demoted at"), null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=models.Q(state="current"), name="m2m_auth_one_current_signing_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.algorithm}, {self.state})"

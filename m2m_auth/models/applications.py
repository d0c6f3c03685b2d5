"""M2M applications (OAuth confidential clients) and their client secrets."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..freshness import StampedQuerySet
from .base import SecretCredential
from .names import clean_name
from .rbac import Role


class Application(models.Model):
    object_kind = "application"

    name = models.CharField(_("name"), max_length=100, unique=True)
    client_id = models.CharField(_("client id"), max_length=40, unique=True, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    roles = models.ManyToManyField(
        Role, related_name="applications", blank=True, limit_choices_to={"kind": Role.Kind.MACHINE}
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.CharField(_("created by"), max_length=150, blank=True, editable=False)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    jwks = models.JSONField(
        _("public keys (JWKS)"),
        null=True,
        blank=True,
        help_text=_("For private_key_jwt client authentication: the application's public keys as a JWK Set."),
    )
    tls_subject_dn = models.CharField(
        _("TLS client certificate subject"), max_length=500, blank=True,
        help_text=_("tls_client_auth: the certificate's subject DN (RFC 4514), e.g. CN=billing,O=Example, as "
                    "openssl x509 -noout -subject -nameopt rfc2253 prints it."),
    )
    tls_san = models.CharField(
        _("TLS client certificate SAN"), max_length=500, blank=True,
        help_text=_("tls_client_auth: a subject alternative name, as dns:…, uri:…, ip:… or email:…"),
    )
    tls_certificate_thumbprints = models.JSONField(
        _("self-signed certificate thumbprints"), default=list, blank=True,
        help_text=_("self_signed_tls_client_auth: SHA-256 thumbprints (x5t#S256) of registered certificates."),
    )
    # x5t#S256 -> the certificate's notAfter (ISO 8601), for certificates registered from their PEM.
    tls_certificate_expiry = models.JSONField(_("certificate expiry"), default=dict, blank=True, editable=False)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("M2M application")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_name(self)


class ClientSecret(SecretCredential):
    """One of an application's secrets; several may be valid during a rotation."""

    object_kind = "client_secret"
    prefix_code = "cs"

    application = models.ForeignKey(Application, models.CASCADE, related_name="secrets")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("client secret")

    def __str__(self) -> str:
        return f"{self.application} secret {self.public_id}"

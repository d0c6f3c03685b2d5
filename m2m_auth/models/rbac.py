"""API resources -> permissions (scopes) -> roles -> assignments to users."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# RFC 6749 section 3.3 scope-token: printable ASCII except space, '"' and '\'.
SCOPE_PATTERN = r"[\x21\x23-\x5b\x5d-\x7e]{1,100}"
scope_validator = RegexValidator(rf"\A{SCOPE_PATTERN}\Z", _("Enter a valid scope (printable ASCII, no spaces)."))


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def identifier_problem(identifier: str) -> str | None:
    """Why a resource identifier cannot be a JWT audience, or None.

    RFC 8707 resource indicators are absolute URIs without a fragment; an
    ``http(s)`` one names a host.
    """
    if not identifier or identifier != identifier.strip() or len(identifier) > 255:
        return "1 to 255 characters, no surrounding spaces"
    scheme = _URI_SCHEME.match(identifier)
    if scheme is None or any(c.isspace() or not c.isprintable() for c in identifier):
        return "an absolute URI is required, e.g. https://api.example.com"
    if "#" in identifier:
        return "an absolute URI without a fragment (#...)"
    if scheme.group().lower() in ("http:", "https:") and not re.match(r"https?://[^/?#]+", identifier, re.I):
        return "an http(s) identifier names a host, e.g. https://api.example.com"
    return None


class ApiResource(models.Model):
    """An API that tokens are issued for; its identifier is the JWT audience."""

    identifier = models.CharField(_("identifier"), max_length=255, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    token_ttl = models.PositiveIntegerField(
        _("access token lifetime (seconds)"), default=900, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("API resource")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problem = identifier_problem(self.identifier)
        if problem:
            raise ValidationError({"identifier": problem})


class Permission(models.Model):
    """A scope string, such as ``orders:read``, unique across resources."""

    resource = models.ForeignKey(ApiResource, models.CASCADE, related_name="permissions")
    scope = models.CharField(_("scope"), max_length=100, unique=True, validators=[scope_validator])
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["scope"]
        verbose_name = _("permission")

    def __str__(self) -> str:
        return self.scope


class Role(models.Model):
    class Kind(models.TextChoices):
        MACHINE = "machine", _("machine (applications and API keys)")
        USER = "user", _("user")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    permissions = models.ManyToManyField(Permission, related_name="roles", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A user role given to a user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="m2m_role_assignments")
    role = models.ForeignKey(
        Role, models.CASCADE, related_name="assignments", limit_choices_to={"kind": Role.Kind.USER}
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="m2m_auth_unique_role_assignment")]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.role} \N{RIGHTWARDS ARROW} {self.user}"

"""API resources -> permissions (scopes) -> roles -> assignments to users."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..freshness import StampedQuerySet
from .names import clean_name

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

    object_kind = "api_resource"

    identifier = models.CharField(_("identifier"), max_length=255, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    token_ttl = models.PositiveIntegerField(
        _("access token lifetime (seconds)"), default=900, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("API resource")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_name(self)
        problem = identifier_problem(self.identifier)
        if problem:
            raise ValidationError({"identifier": problem})


class PermissionQuerySet(StampedQuerySet):
    def held_by(self, user) -> PermissionQuerySet:
        """The scopes a user holds now, through their user roles."""
        return self.filter(roles__assignments__user=user, roles__kind="user").distinct()


class Permission(models.Model):
    """A scope string, such as ``orders:read``, unique across resources."""

    object_kind = "permission"

    resource = models.ForeignKey(ApiResource, models.CASCADE, related_name="permissions")
    scope = models.CharField(_("scope"), max_length=100, unique=True, validators=[scope_validator])
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = PermissionQuerySet.as_manager()

    class Meta:
        ordering = ["scope"]
        verbose_name = _("permission")

    def __str__(self) -> str:
        return self.scope


class Role(models.Model):
    """A named set of scopes for machines (applications, API keys) or for users.

    ``kind`` is the role's field (machine or user); ``object_kind`` names the model.
    """

    object_kind = "role"

    class Kind(models.TextChoices):
        MACHINE = "machine", _("machine (applications and API keys)")
        USER = "user", _("user")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    permissions = models.ManyToManyField(Permission, related_name="roles", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_name(self)
        stored = type(self).objects.filter(pk=self.pk).values_list("kind", flat=True).first()
        refusal = self.kind_change_refusal(self.kind) if stored and stored != self.kind else None
        if refusal:
            raise ValidationError({"kind": refusal})

    def kind_change_refusal(self, kind: str) -> str | None:
        """Why this role may not become ``kind`` now, or None.

        A machine role held by live API keys or by applications, or a user role
        held by users, would silently stop giving its scopes to them.
        """
        if kind == self.Kind.USER:
            held = self.api_keys.filter(revoked_at__isnull=True).exists() or self.applications.exists()
        else:
            held = self.assignments.exists()
        if not held:
            return None
        holders = "users" if kind == self.Kind.MACHINE else "API keys or applications"
        return f"Role {self.name!r} is held by {holders}; take it from them before making it a {kind} role."


class RoleAssignment(models.Model):
    """A user role given to a user."""

    object_kind = "role_assignment"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="m2m_role_assignments")
    role = models.ForeignKey(
        Role, models.CASCADE, related_name="assignments", limit_choices_to={"kind": Role.Kind.USER}
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StampedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="m2m_auth_unique_role_assignment")]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.role} \N{RIGHTWARDS ARROW} {self.user}"

    def clean(self) -> None:
        if self.role_id and self.role.kind != Role.Kind.USER:
            raise ValidationError({"role": _("Only user roles are given to users.")})

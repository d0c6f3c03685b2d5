"""The Django admin as a safety tool.

Secrets never appear: rows show a masked value built from the public id;
revoked rows are read-only; revoking and disabling are actions guarded by
the change permission; the audit log cannot be edited. Creating credentials
(which must show the secret once) is done with ``manage.py m2m``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import audit, hashing, revoking
from .app_settings import app_settings
from .models import (
    ApiKey, ApiResource, Application, AuditEvent, ClientSecret, Permission, PersonalAccessToken, RevokedToken,
    Role, RoleAssignment, SigningKey,
)
from .oauth import keys

KINDS = {ApiKey: "api_key", PersonalAccessToken: "personal_access_token", ClientSecret: "client_secret"}


def actor(request) -> str:
    return f"admin:{request.user.get_username()}"


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("expired", _("expired")), ("revoked", _("revoked")),
                ("expiring", _("expiring within 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == "expiring":
            return queryset.expiring_within(timedelta(days=7))
        if self.value() in ("active", "expired", "revoked"):
            return getattr(queryset, self.value())()
        return queryset


class SecretCredentialAdmin(admin.ModelAdmin):
    """Common to API keys, PATs and client secrets: masked, revocable, frozen once revoked."""

    list_filter = [StatusFilter]
    search_fields = ["public_id"]
    exclude = ["secret_hash"]
    readonly_fields = ["masked", "status", "public_id", "created_at", "created_by", "revoked_at", "revoked_by",
                       "revoke_reason", "last_used_at", "last_used_from"]
    actions = ["revoke_selected"]

    @admin.display(description=_("credential"))
    def masked(self, obj) -> str:
        return f"{app_settings.prefix(KINDS[type(obj)])}{obj.public_id}_…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_revoked)

    def get_search_results(self, request, queryset, search_term):
        """A pasted full secret is searched by its public id, never by its text."""
        kind = hashing.kind_of(search_term.strip())
        parsed = hashing.parse(search_term.strip(), kind) if kind else None
        if parsed is not None:
            return queryset.filter(public_id=parsed.public_id), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=_("Revoke selected credentials"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = sum(
            revoking.revoke(credential, actor=actor(request), reason="revoked in admin",
                            address=audit.client_address(request))
            for credential in queryset.filter(revoked_at__isnull=True)
        )
        self.message_user(request, _("Revoked %d credential(s).") % revoked, messages.SUCCESS)


@admin.register(ApiKey)
class ApiKeyAdmin(SecretCredentialAdmin):
    list_display = ["name", "masked", "status", "application", "expires_at", "last_used_at", "last_used_from",
                    "created_at"]
    search_fields = ["name", "public_id"]
    filter_horizontal = ["scopes", "roles"]
    list_select_related = ["application"]


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(SecretCredentialAdmin):
    list_display = ["name", "masked", "user", "status", "expires_at", "last_used_at", "created_at"]
    search_fields = ["name", "public_id", "user__username"]
    filter_horizontal = ["scopes"]
    list_select_related = ["user"]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "user"]


@admin.register(ClientSecret)
class ClientSecretAdmin(SecretCredentialAdmin):
    list_display = ["masked", "application", "status", "expires_at", "last_used_at", "created_at"]
    search_fields = ["public_id", "application__name", "application__client_id"]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "application"]
    list_select_related = ["application"]


class ClientSecretInline(admin.TabularInline):
    model = ClientSecret
    fields = readonly_fields = ["masked", "status", "expires_at", "last_used_at", "created_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("secret"))
    def masked(self, obj) -> str:
        return f"{app_settings.prefix('client_secret')}{obj.public_id}_…"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "client_id", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id"]
    filter_horizontal = ["roles"]
    readonly_fields = ["client_id", "is_active", "created_at", "created_by", "disabled_at"]
    inlines = [ClientSecretInline]
    actions = ["disable_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Disable selected applications (revokes their secrets and keys)"),
                  permissions=["change"])
    def disable_selected(self, request, queryset):
        disabled = sum(
            revoking.disable_application(app, actor=actor(request), address=audit.client_address(request))
            for app in queryset
        )
        self.message_user(request, _("Disabled %d application(s).") % disabled, messages.SUCCESS)


class PermissionInline(admin.TabularInline):
    model = Permission
    fields = ["scope", "description"]
    extra = 1


@admin.register(ApiResource)
class ApiResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "identifier", "token_ttl"]
    search_fields = ["name", "identifier"]
    inlines = [PermissionInline]


@admin.register(Permission)
class PermissionAdmin(admin.ModelAdmin):
    list_display = ["scope", "resource", "description"]
    list_filter = ["resource"]
    search_fields = ["scope"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "description"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["permissions"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "role__name"]
    autocomplete_fields = ["user", "role"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "target_kind", "target_id", "actor", "address"]
    list_filter = ["action", "target_kind"]
    search_fields = ["target_id", "actor"]
    date_hierarchy = "created_at"


@admin.register(RevokedToken)
class RevokedTokenAdmin(ReadOnlyAdmin):
    list_display = ["jti", "client_id", "revoked_at", "expires_at"]
    search_fields = ["jti", "client_id"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """States and public data only; the private part never leaves the database."""

    list_display = ["kid", "algorithm", "state", "created_at", "activated_at", "retired_at"]
    list_filter = ["state", "algorithm"]
    fields = ["kid", "algorithm", "state", "public_jwk", "created_at", "activated_at", "demoted_at", "retired_at"]
    actions = ["rotate_keys"]

    def has_rotate_permission(self, request) -> bool:
        return request.user.has_perm("m2m_auth.change_signingkey")

    @admin.action(description=_("Rotate the signing keys (tokens already issued stay valid)"), permissions=["rotate"])
    def rotate_keys(self, request, queryset):
        keys.current_key()
        key = keys.rotate(actor=actor(request))
        self.message_user(request, _("Now signing with %s.") % key.kid, messages.SUCCESS)

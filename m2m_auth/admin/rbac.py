"""Resources with their scopes, roles, assignments, and the audit trail."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import audit
from ..models import ApiResource, AuditEvent, Permission, RevokedToken, Role, RoleAssignment
from .base import AuditedAdmin, ReadOnlyAdmin, actor
from .display import compact_time, scope_list
from .fields import ScopeChoiceField, empty_hint


class PermissionInline(admin.TabularInline):
    model = Permission
    fields = ["scope", "description"]
    extra = 1


@admin.register(ApiResource)
class ApiResourceAdmin(AuditedAdmin):
    list_display = ["name", "identifier", "token_ttl"]
    search_fields = ["name", "identifier"]
    inlines = [PermissionInline]


@admin.register(Permission)
class PermissionAdmin(AuditedAdmin):
    list_display = ["scope", "resource", "description"]
    list_filter = ["resource"]
    search_fields = ["scope"]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["name", "kind", "scopes", "description"]
    list_filter = ["kind"]
    search_fields = ["name", "permissions__scope"]
    filter_horizontal = ["permissions"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions__resource")

    @admin.display(description=_("scopes"))
    def scopes(self, role):
        return scope_list(role.permissions.all())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, form_class=ScopeChoiceField, **kwargs)
        empty_hint(field, self.admin_site.name)
        return field


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    """Assignments are granted or taken away, never edited; both are audited as the flows do."""

    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "role"]
    search_fields = ["user__username", "role__name"]
    autocomplete_fields = ["user", "role"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def audit_saved(self, request, assignment, change: bool, changed: list[str]) -> None:
        audit.record("grant", assignment.role, actor=actor(request), address=audit.client_address(request),
                     user=assignment.user.get_username())

    def audit_deleted(self, request, assignment) -> None:
        audit.record("ungrant", assignment.role, actor=actor(request), address=audit.client_address(request),
                     user=assignment.user.get_username())


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["when", "action", "target_kind", "target_id", "actor", "address"]
    list_filter = ["action", "target_kind"]
    search_fields = ["target_id", "actor"]
    date_hierarchy = "created_at"

    @admin.display(description=_("when"), ordering="created_at")
    def when(self, event) -> str:
        return compact_time(event.created_at)


@admin.register(RevokedToken)
class RevokedTokenAdmin(ReadOnlyAdmin):
    list_display = ["jti", "client_id", "revoked_at", "expires_at"]
    search_fields = ["jti", "client_id"]

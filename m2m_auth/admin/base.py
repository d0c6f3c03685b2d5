"""What every admin screen shares: the actor, masked values, audited edits."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from .. import audit, hashing


def actor(request) -> str:
    return f"admin:{request.user.get_username()}"


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def masked(obj) -> str:
    return f"{hashing.prefix(obj.object_kind)}{obj.public_id}_…"


class AuditedAdmin(admin.ModelAdmin):
    """Edits made in the admin reach the audit log, as those of the flows do."""

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        inlines = [formset.model._meta.model_name for formset in formsets if formset.has_changed()]
        changed = [*form.changed_data, *inlines]
        if changed or not change:
            self.audit_saved(request, form.instance, change, sorted(changed))

    def delete_model(self, request, obj) -> None:
        self.delete_queryset(request, type(obj)._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.audit_deleted(request, obj)
        super().delete_queryset(request, queryset)

    def audit_saved(self, request, obj, change: bool, changed: list[str]) -> None:
        audit.record("update" if change else "create", obj, actor=actor(request),
                     address=audit.client_address(request), changed=changed)

    def audit_deleted(self, request, obj) -> None:
        audit.record("delete", obj, actor=actor(request), address=audit.client_address(request), name=str(obj))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

"""The base of the API key, PAT and client secret screens.

Change pages open with who and what the credential is, its status, masked
value and use; the editable fields follow. A revoke button (and the bulk
action) asks for a reason first; revoked rows are frozen.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .. import audit, hashing, revoking
from ..app_settings import app_settings
from .forms import RevokeForm
from .base import AuditedAdmin, actor, masked
from .buttons import ObjectButtonsMixin, confirm_page
from .display import compact_time, status_badge


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("expired", _("expired")), ("revoked", _("revoked")),
                ("expiring", _("expiring soon"))]

    def queryset(self, request, queryset):
        if self.value() == "expiring":
            return queryset.expiring(timedelta(seconds=app_settings.EXPIRY_WARNING_WINDOW))
        if self.value() in ("active", "expired", "revoked"):
            return getattr(queryset, self.value())()
        return queryset


def revoke_all(request, credentials, form: RevokeForm) -> int:
    reason = form.cleaned_data["reason"] or "revoked in admin"
    return sum(revoking.revoke(credential, actor=actor(request), reason=reason,
                               address=audit.client_address(request)) for credential in credentials)


class SecretCredentialAdmin(ObjectButtonsMixin, AuditedAdmin):
    """API keys, PATs and client secrets: masked, revocable with a reason, frozen once revoked."""

    list_filter = [StatusFilter]
    search_fields = ["public_id"]
    identity_fields = ["masked", "status_badge", "usage", "last_used", "created"]
    editable_fields: list[str] = ["expires_at"]
    readonly_fields = ["masked", "status_badge", "usage", "last_used", "created", "revoked"]
    actions = ["revoke_selected"]
    object_buttons: tuple[str, ...] = ("revoke",)
    change_list_template = "m2m_auth/admin/credential_changelist.html"

    def get_fieldsets(self, request, obj=None):
        identity = [*self.identity_fields, *(["revoked"] if obj is not None and obj.is_revoked else [])]
        return [(None, {"fields": identity}), (_("Settings"), {"fields": self.editable_fields})]

    @admin.display(description=_("credential"))
    def masked(self, obj) -> str:
        return masked(obj)

    @admin.display(description=_("status"))
    def status_badge(self, obj):
        return status_badge(obj)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj) -> str:
        return compact_time(obj.expires_at)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj) -> str:
        if obj.last_used_at is None:
            return str(_("never"))
        return f"{compact_time(obj.last_used_at)} · {obj.last_used_from or '?'}"

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj) -> str:
        return f"{compact_time(obj.created_at)} · {obj.created_by or '—'}"

    @admin.display(description=_("revoked"))
    def revoked(self, obj) -> str:
        return f"{compact_time(obj.revoked_at)} · {obj.revoked_by or '—'} · {obj.revoke_reason or '—'}"

    @admin.display(description=_("use, last 30 days"))
    def usage(self, obj):
        from .usage import usage_chart

        return usage_chart(obj.recent_usage)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_revoked)

    def get_search_results(self, request, queryset, search_term):
        """A pasted full secret is searched by its public id, never by its text."""
        kind = hashing.kind_of(search_term.strip())
        parsed = hashing.parse(search_term.strip(), kind) if kind else None
        if parsed is not None:
            return queryset.filter(public_id=parsed.public_id), False
        return super().get_search_results(request, queryset, search_term)

    def button_label(self, name: str, obj) -> str:
        return str(_("Revoke…"))

    def revoke_view(self, request, obj):
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            revoke_all(request, [obj], form)
            self.message_user(request, _("Revoked %s; it stops working on the very next request.") % obj,
                              messages.SUCCESS)
            return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk)
        return confirm_page(self, request, obj, title=_("Revoke %s") % obj, form=form, danger=True,
                            explanation=[_("It stops working on the very next request, on every worker. "
                                           "This cannot be undone."), masked(obj)],
                            submit_label=_("Revoke"))

    @admin.action(description=_("Revoke selected credentials…"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        queryset = queryset.filter(revoked_at__isnull=True)
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "title": _("Revoke credentials"),
                       "queryset": queryset, "form": form, "opts": self.model._meta}
            return TemplateResponse(request, "m2m_auth/admin/revoke_confirm.html", context)
        revoked = revoke_all(request, queryset, form)
        self.message_user(request, _("Revoked %d credential(s).") % revoked, messages.SUCCESS)
        return None

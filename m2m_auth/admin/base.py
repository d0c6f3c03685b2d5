"""What the admin screens share: status filter, safe credential base, issuing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from .. import audit, hashing, revoking
from ..exceptions import M2MAuthError
from ..forms import RevokeForm

def actor(request) -> str:
    return f"admin:{request.user.get_username()}"


def masked(obj) -> str:
    return f"{hashing.prefix(obj.object_kind)}{obj.public_id}_…"


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("expired", _("expired")), ("revoked", _("revoked")),
                ("expiring", _("expiring within 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == "expiring":
            return queryset.expiring(timedelta(days=7))
        if self.value() in ("active", "expired", "revoked"):
            return getattr(queryset, self.value())()
        return queryset


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


class IssuingAdmin(admin.ModelAdmin):
    """The add page issues through the flow and shows the secret once."""

    issue_form = None
    submit_label = _("Issue")

    def issue(self, request, form):
        """Calls the flow; returns (object, plaintext secret)."""
        raise NotImplementedError

    @method_decorator(never_cache)
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.issue_form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                obj, secret = self.issue(request, form)
            except M2MAuthError as error:
                form.add_error(None, str(error))
            else:
                return secret_page(self, request, obj, secret, _("Issued %s.") % obj)
        title = _("Issue %s") % self.model._meta.verbose_name
        context = {**self.admin_site.each_context(request), "title": title, "form": form,
                   "opts": self.model._meta, "submit_label": self.submit_label}
        return TemplateResponse(request, "m2m_auth/admin/issue_form.html", context, status=400 if form.errors else 200)


def secret_page(model_admin, request, obj, secret: str, summary: str) -> TemplateResponse:
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request), "title": _("Copy the secret now"), "opts": opts,
        "summary": summary, "secret": secret, "secret_label": _("Secret"),
        "done_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    response = TemplateResponse(request, "m2m_auth/admin/secret_created.html", context)
    response["Cache-Control"] = "no-store"
    return response


class SecretCredentialAdmin(AuditedAdmin):
    """API keys, PATs and client secrets: masked, revocable with a reason, frozen once revoked."""

    list_filter = [StatusFilter]
    search_fields = ["public_id"]
    exclude = ["secret_hash"]
    readonly_fields = ["masked", "status", "public_id", "created_at", "created_by", "revoked_at", "revoked_by",
                       "revoke_reason", "last_used_at", "last_used_from", "usage"]
    actions = ["revoke_selected"]

    @admin.display(description=_("credential"))
    def masked(self, obj) -> str:
        return masked(obj)

    @admin.display(description=_("use, last 30 days"))
    def usage(self, obj):
        from .usage import usage_chart

        return usage_chart(obj.object_kind, obj.public_id)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_revoked)

    def get_search_results(self, request, queryset, search_term):
        """A pasted full secret is searched by its public id, never by its text."""
        kind = hashing.kind_of(search_term.strip())
        parsed = hashing.parse(search_term.strip(), kind) if kind else None
        if parsed is not None:
            return queryset.filter(public_id=parsed.public_id), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=_("Revoke selected credentials…"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        queryset = queryset.filter(revoked_at__isnull=True)
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "title": _("Revoke credentials"),
                       "queryset": queryset, "form": form, "opts": self.model._meta}
            return TemplateResponse(request, "m2m_auth/admin/revoke_confirm.html", context)
        reason = form.cleaned_data["reason"] or "revoked in admin"
        revoked = sum(revoking.revoke(credential, actor=actor(request), reason=reason,
                                      address=audit.client_address(request)) for credential in queryset)
        self.message_user(request, _("Revoked %d credential(s).") % revoked, messages.SUCCESS)
        return None

"""API keys, PATs, applications with their secrets, and signing keys."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .. import audit, issuing, revoking
from ..forms import ApiKeyIssueForm, ApplicationChangeForm, ApplicationIssueForm, PersonalAccessTokenIssueForm
from ..models import ApiKey, Application, ClientSecret, PersonalAccessToken, SigningKey
from ..oauth import clients, keys
from .base import AuditedAdmin, IssuingAdmin, ReadOnlyAdmin, SecretCredentialAdmin, actor, masked, secret_page


@admin.register(ApiKey)
class ApiKeyAdmin(IssuingAdmin, SecretCredentialAdmin):
    list_display = ["name", "masked", "status", "application", "expires_at", "last_used_at", "last_used_from",
                    "created_at"]
    search_fields = ["name", "public_id"]
    filter_horizontal = ["scopes", "roles"]
    list_select_related = ["application"]
    issue_form = ApiKeyIssueForm
    submit_label = _("Issue API key")

    def issue(self, request, form):
        data = form.cleaned_data
        return issuing.create_api_key(
            data["name"], scopes=[p.scope for p in data["scopes"]], roles=[r.name for r in data["roles"]],
            expires_in=data["expires_in"], application=data["application"], actor=actor(request),
            address=audit.client_address(request),
        )


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(IssuingAdmin, SecretCredentialAdmin):
    list_display = ["name", "masked", "user", "status", "expires_at", "last_used_at", "created_at"]
    search_fields = ["name", "public_id", "user__username"]
    filter_horizontal = ["scopes"]
    list_select_related = ["user"]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "user"]
    issue_form = PersonalAccessTokenIssueForm
    submit_label = _("Issue token")

    def issue(self, request, form):
        data = form.cleaned_data
        return issuing.create_personal_access_token(
            data["user"], data["name"], scopes=[p.scope for p in data["scopes"]], expires_in=data["expires_in"],
            actor=actor(request), address=audit.client_address(request),
        )


@admin.register(ClientSecret)
class ClientSecretAdmin(SecretCredentialAdmin):
    list_display = ["masked", "application", "status", "expires_at", "last_used_at", "created_at"]
    search_fields = ["public_id", "application__name", "application__client_id"]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "application"]
    list_select_related = ["application"]

    def has_add_permission(self, request) -> bool:
        return False  # new secrets come from the application's "rotate secret" action


class ClientSecretInline(admin.TabularInline):
    model = ClientSecret
    fields = readonly_fields = ["masked", "status", "expires_at", "last_used_at", "created_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("secret"))
    def masked(self, obj) -> str:
        return masked(obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(IssuingAdmin, AuditedAdmin):
    list_display = ["name", "client_id", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id"]
    filter_horizontal = ["roles"]
    readonly_fields = ["client_id", "is_active", "created_at", "created_by", "disabled_at"]
    form = ApplicationChangeForm
    fieldsets = [
        (None, {"fields": ["name", "client_id", "description", "roles", "is_active", "created_at", "created_by",
                           "disabled_at"]}),
        (_("private_key_jwt"), {"fields": ["jwks"]}),
        (_("Mutual TLS (RFC 8705)"), {"fields": ["tls_subject_dn", "tls_san", "tls_certificate_thumbprints",
                                                 "add_certificate"]}),
    ]
    inlines = [ClientSecretInline]
    actions = ["rotate_secret", "disable_selected"]
    issue_form = ApplicationIssueForm
    submit_label = _("Register application")

    def issue(self, request, form):
        data = form.cleaned_data
        return issuing.create_application(data["name"], roles=[r.name for r in data["roles"]], actor=actor(request),
                                          address=audit.client_address(request))

    @admin.action(description=_("Rotate the client secret (shows the new one once)"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one application to rotate."), messages.ERROR)
            return None
        application = queryset.get()
        secret, plaintext = clients.rotate_client_secret(application, actor=actor(request),
                                                         address=audit.client_address(request))
        summary = _("New secret for %(app)s (client id %(client_id)s); older secrets work until %(until)s.") % {
            "app": application.name, "client_id": application.client_id, "until": "their expiry"}
        return secret_page(self, request, secret, plaintext, summary)

    @admin.action(description=_("Disable selected applications (revokes their secrets and keys)"),
                  permissions=["change"])
    def disable_selected(self, request, queryset):
        disabled = sum(
            revoking.disable_application(app, actor=actor(request), address=audit.client_address(request))
            for app in queryset
        )
        self.message_user(request, _("Disabled %d application(s).") % disabled, messages.SUCCESS)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """States and public data only; the private part never leaves the database."""

    list_display = ["kid", "algorithm", "state", "created_at", "activated_at", "retired_at"]
    list_filter = ["state", "algorithm"]
    fields = ["kid", "algorithm", "state", "public_jwk", "created_at", "activated_at", "demoted_at", "retired_at"]
    change_list_template = "m2m_auth/admin/signing_key_changelist.html"

    def has_rotate_permission(self, request) -> bool:
        return request.user.has_perm("m2m_auth.change_signingkey")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_rotate": self.has_rotate_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        rotate = self.admin_site.admin_view(self.rotate_view)
        return [path("rotate/", rotate, name="m2m_auth_signingkey_rotate"), *super().get_urls()]

    def rotate_view(self, request):
        """GET explains what rotating does; POST rotates (even on a fresh install with no key yet)."""
        if not self.has_rotate_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            key = keys.rotate(actor=actor(request))
            self.message_user(request, keys.when_it_signs(key), messages.SUCCESS)
            return redirect("admin:m2m_auth_signingkey_changelist")
        context = {**self.admin_site.each_context(request), "title": _("Rotate the signing keys"),
                   "opts": self.model._meta, "signs_from": keys.signs_from_if_rotated_now(),
                   "delay": int(keys.publication_delay().total_seconds())}
        return TemplateResponse(request, "m2m_auth/admin/signing_key_rotate.html", context)

"""M2M applications: registration with every option, secret rotation, disabling."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _

from .. import audit, expiry, revoking
from ..app_settings import app_settings
from ..exceptions import M2MAuthError
from ..models import Application, ClientSecret
from ..oauth import clients, registration
from .base import AuditedAdmin, actor, masked
from .buttons import ObjectButtonsMixin, confirm_page
from .display import compact_time, status_badge
from .forms import ApplicationChangeForm, ApplicationIssueForm, RevokeForm
from .shown_once import IssuingAdmin, secret_page


class ClientSecretInline(admin.TabularInline):
    model = ClientSecret
    fields = readonly_fields = ["masked", "status_badge", "expires", "last_used", "created"]
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("secret"))
    def masked(self, obj) -> str:
        return masked(obj)

    @admin.display(description=_("status"))
    def status_badge(self, obj):
        return status_badge(obj)

    @admin.display(description=_("expires"))
    def expires(self, obj) -> str:
        return compact_time(obj.expires_at)

    @admin.display(description=_("last used"))
    def last_used(self, obj) -> str:
        return compact_time(obj.last_used_at)

    @admin.display(description=_("created"))
    def created(self, obj) -> str:
        return compact_time(obj.created_at)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def authentication_methods(application: Application) -> str:
    methods = [name for name, present in [
        ("client_secret", application.secrets.active().exists()), ("private_key_jwt", bool(application.jwks)),
        ("tls_client_auth", bool(application.tls_subject_dn or application.tls_san)),
        ("self_signed_tls_client_auth", bool(application.tls_certificate_thumbprints)),
    ] if present]
    return ", ".join(methods) or "—"


def certificate_expiry_text(application: Application, thumbprint: str) -> str:
    not_after = expiry.certificate_expiry(application, thumbprint)
    if not_after is None:
        return _("expiry unknown (registered by thumbprint)")
    return _("expires %(date)s (%(status)s)") % {"date": compact_time(not_after), "status": (
        _("in %s") % timeuntil(not_after) if not_after > timezone.now() else _("expired"))}


def rotation_facts(application: Application, new: ClientSecret) -> list[tuple]:
    older = application.secrets.active().exclude(pk=new.pk)
    return [(_("Client id"), application.client_id), (_("New secret expires"), new.expires_at),
            *((_("Older secret %s works until") % masked(old), old.expires_at) for old in older)]


@admin.register(Application)
class ApplicationAdmin(IssuingAdmin, ObjectButtonsMixin, AuditedAdmin):
    list_display = ["name", "client_id", "is_active", "authentication", "created"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id"]
    filter_horizontal = ["roles"]
    readonly_fields = ["client_id", "is_active", "authentication", "created", "disabled_at", "certificates"]
    form = ApplicationChangeForm
    fieldsets = [
        (None, {"fields": ["client_id", "is_active", "authentication", "created", "disabled_at"]}),
        (_("Settings"), {"fields": ["name", "description", "roles"]}),
        (_("private_key_jwt"), {"fields": ["jwks"]}),
        (_("Mutual TLS (RFC 8705)"), {"fields": ["tls_subject_dn", "tls_san", "certificates",
                                                 "tls_certificate_thumbprints", "add_certificate"]}),
    ]
    inlines = [ClientSecretInline]
    actions = ["rotate_secret", "disable_selected"]
    object_buttons = ("rotate", "disable")
    change_list_template = "m2m_auth/admin/credential_changelist.html"
    issue_form = ApplicationIssueForm
    submit_label = _("Register application")
    add_title = _("Register an %s")
    issued_summary = _("Registered %s.")

    @admin.display(description=_("authenticates with"))
    def authentication(self, obj) -> str:
        return authentication_methods(obj)

    @admin.display(description=_("registered certificates"))
    def certificates(self, obj):
        return format_html_join(mark_safe("<br>"), "<code>{}</code> · {}", (
            (thumbprint, certificate_expiry_text(obj, thumbprint)) for thumbprint in obj.tls_certificate_thumbprints
        )) or "—"

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj) -> str:
        return f"{compact_time(obj.created_at)} · {obj.created_by or '—'}"

    def issue(self, request, form):
        data = form.cleaned_data
        certificates = [data["add_certificate"].encode()] if data["add_certificate"] else []
        application, secret = registration.register_application(
            data["name"], roles=[r.name for r in data["roles"]], with_secret=data["with_secret"], jwks=data["jwks"],
            tls_subject_dn=data["tls_subject_dn"], tls_san=data["tls_san"], certificates=certificates,
            actor=actor(request), address=audit.client_address(request))
        warning = registration.scopeless_warning(application)
        if warning:
            self.message_user(request, _("%s: give it a role.") % warning, messages.WARNING)
        return application, secret

    def issued_facts(self, obj) -> list[tuple]:
        secret = obj.secrets.first()
        return [(_("Client id"), obj.client_id), *([(_("Secret expires"), secret.expires_at)] if secret else [])]

    def shows_button(self, name: str, obj) -> bool:
        return obj.is_active

    def button_label(self, name: str, obj) -> str:
        return _("Rotate secret…") if name == "rotate" else _("Disable…")

    def rotate_view(self, request, application):
        form = forms.Form(request.POST or None)  # rotating asks for nothing, only a confirmation
        if request.method == "POST":
            return self.rotated(request, application)
        overlap_end = timezone.now() + timedelta(seconds=app_settings.SECRET_ROTATION_OVERLAP)
        explanation = [_("A new client secret is issued and shown once. Older secrets keep working until "
                         "%(date)s, then expire, so you can deploy the new one first.") % {
                             "date": compact_time(overlap_end)}]
        return confirm_page(self, request, application, title=_("Rotate the secret of %s") % application,
                            form=form, explanation=explanation, submit_label=_("Rotate the secret"))

    def rotated(self, request, application):
        try:
            new, plaintext = clients.rotate_client_secret(application, actor=actor(request),
                                                          address=audit.client_address(request))
        except M2MAuthError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(f"{self.admin_site.name}:m2m_auth_application_changelist")
        summary = _("New secret for %(app)s.") % {"app": application.name}
        return secret_page(self, request, new, plaintext, summary, rotation_facts(application, new),
                           original=application)

    def disable_view(self, request, application):
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            revoking.disable_application(application, actor=actor(request), reason=form.cleaned_data["reason"],
                                         address=audit.client_address(request))
            self.message_user(request, _("Disabled %s; its secrets and API keys are revoked.") % application,
                              messages.SUCCESS)
            return redirect(f"{self.admin_site.name}:m2m_auth_application_change", application.pk)
        explanation = [_("Its client secrets and API keys are revoked and it can no longer get tokens. "
                         "This cannot be undone.")]
        return confirm_page(self, request, application, title=_("Disable %s") % application, form=form,
                            explanation=explanation, submit_label=_("Disable"), danger=True)

    @admin.action(description=_("Rotate the client secret (shows the new one once)"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one application to rotate."), messages.ERROR)
            return None
        return self.rotated(request, queryset.get())

    @admin.action(description=_("Disable selected applications (revokes their secrets and keys)"),
                  permissions=["change"])
    def disable_selected(self, request, queryset):
        disabled = sum(
            revoking.disable_application(app, actor=actor(request), address=audit.client_address(request))
            for app in queryset
        )
        self.message_user(request, _("Disabled %d application(s).") % disabled, messages.SUCCESS)

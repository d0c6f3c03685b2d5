"""API keys, personal access tokens and client secrets."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import audit, issuing
from ..exceptions import M2MAuthError
from ..models import ApiKey, ClientSecret, PersonalAccessToken
from .base import actor, change_url, masked
from .buttons import confirm_page
from .credential_base import SecretCredentialAdmin
from .display import compact_time
from .expiring import ExpiringViewMixin
from .fields import ScopeChoiceField, empty_hint
from .forms import (
    ApiKeyIssueForm,
    PersonalAccessTokenChangeForm,
    PersonalAccessTokenIssueForm,
    RoleChoiceField,
    RollForm,
)
from .shown_once import IssuingAdmin, secret_page


class ScopedAdmin(SecretCredentialAdmin):
    """Scopes and roles named with what they grant; an empty list says how to fill it."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["form_class"] = {"scopes": ScopeChoiceField, "roles": RoleChoiceField}[db_field.name]
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        empty_hint(field, self.admin_site.name)
        return field


@admin.register(ApiKey)
class ApiKeyAdmin(ExpiringViewMixin, IssuingAdmin, ScopedAdmin):
    list_display = ["name", "masked", "status_badge", "application", "expires", "last_used"]
    search_fields = ["name", "public_id"]
    filter_horizontal = ["scopes", "roles"]
    list_select_related = ["application"]
    editable_fields = ["name", "application", "scopes", "roles", "expires_at"]
    object_buttons = ("roll", "revoke")
    identity_fields = [*SecretCredentialAdmin.identity_fields, "rolling"]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "rolling"]
    issue_form = ApiKeyIssueForm
    submit_label = _("Issue API key")

    def issue(self, request, form):
        data = form.cleaned_data
        return issuing.create_api_key(
            data["name"], scopes=[p.scope for p in data["scopes"]], roles=[r.name for r in data["roles"]],
            expires_in=data["expires_in"], application=data["application"], actor=actor(request),
            address=audit.client_address(request),
        )

    def button_label(self, name: str, obj) -> str:
        return _("Roll…") if name == "roll" else super().button_label(name, obj)

    def shows_button(self, name: str, obj) -> bool:
        return name != "roll" or obj.rolled_at is None

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not (obj.rolled_at or obj.rolled_from_id):
            identity = [name for name in fieldsets[0][1]["fields"] if name != "rolling"]
            fieldsets = [(None, {"fields": identity}), *fieldsets[1:]]
        return fieldsets

    @admin.display(description=_("rolling"))
    def rolling(self, key):
        """Where this key came from and what replaced it, linked."""
        parts = []
        if key.rolled_from_id:
            parts.append(format_html('{} <a href="{}">{}</a>', _("rolled from"), change_url(key.rolled_from),
                                     masked(key.rolled_from)))
        successor = getattr(key, "rolled_to", None) if key.rolled_at else None
        if successor is not None:
            parts.append(format_html('{} {}, {} <a href="{}">{}</a>', _("rolled"), compact_time(key.rolled_at),
                                     _("replaced by"), change_url(successor), masked(successor)))
        return format_html_join(" · ", "{}", ((part,) for part in parts)) or "—"

    def roll_view(self, request, old):
        form = RollForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                new, plaintext = issuing.roll_api_key(old, overlap=form.cleaned_data["overlap"],
                                                      actor=actor(request), address=audit.client_address(request))
            except M2MAuthError as error:
                form.add_error(None, str(error))
            else:
                facts = [(_("Name"), new.name), (_("New key expires"), new.expires_at),
                         (_("Old key %s works until") % masked(old), old.expires_at)]
                return secret_page(self, request, new, plaintext, _("Rolled %s.") % old.name, facts)
        explanation = [_("A new key with the same name, scopes, roles and owner is issued and shown once. The old "
                         "key keeps working for the overlap, then expires, so you can deploy the new one first."),
                       masked(old)]
        return confirm_page(self, request, old, title=_("Roll %s") % old, form=form, explanation=explanation,
                            submit_label=_("Roll the key"))


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(IssuingAdmin, ScopedAdmin):
    list_display = ["name", "masked", "user", "status_badge", "expires", "last_used"]
    search_fields = ["name", "public_id", "user__username"]
    filter_horizontal = ["scopes"]
    list_select_related = ["user"]
    identity_fields = ["user", *SecretCredentialAdmin.identity_fields]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "user"]
    editable_fields = ["name", "scopes", "expires_at"]
    issue_form = PersonalAccessTokenIssueForm
    form = PersonalAccessTokenChangeForm
    submit_label = _("Issue token")

    def issue(self, request, form):
        data = form.cleaned_data
        return issuing.create_personal_access_token(
            data["user"], data["name"], scopes=[p.scope for p in data["scopes"]], expires_in=data["expires_in"],
            actor=actor(request), address=audit.client_address(request),
        )

    def issued_facts(self, obj) -> list[tuple]:
        return [(_("User"), obj.user.get_username()), *super().issued_facts(obj)]


@admin.register(ClientSecret)
class ClientSecretAdmin(SecretCredentialAdmin):
    list_display = ["masked", "application", "status_badge", "expires", "last_used"]
    search_fields = ["public_id", "application__name", "application__client_id"]
    identity_fields = ["application", *SecretCredentialAdmin.identity_fields]
    readonly_fields = [*SecretCredentialAdmin.readonly_fields, "application"]
    list_select_related = ["application"]

    def has_add_permission(self, request) -> bool:
        return False  # new secrets come from the application's "Rotate secret" button

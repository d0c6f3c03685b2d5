"""Forms of the self-service pages and the admin's issuing screens."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from .app_settings import app_settings
from .durations import parse_duration
from .exceptions import InvalidInput
from .rbac import user_scopes

LIFETIME_DAYS = [1, 7, 30, 60, 90, 180, 365]


def lifetime_choices() -> list[tuple[int, str]]:
    allowed = [days for days in LIFETIME_DAYS if days * 86400 <= app_settings.PAT_MAX_LIFETIME]
    return [(days, _("1 day") if days == 1 else _("%d days") % days) for days in allowed]


class PersonalAccessTokenForm(forms.Form):
    """A user's own token: scopes among those they hold, a lifetime within the maximum."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “laptop CLI”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only scopes you hold are offered; the token never has more than you."),
    )
    lifetime = forms.TypedChoiceField(label=_("Expires after"), coerce=int)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope, scope) for scope in sorted(user_scopes(user))]
        choices = lifetime_choices()
        self.fields["lifetime"].choices = choices
        default = min(30, max(days for days, _ in choices)) if choices else None
        self.fields["lifetime"].initial = default

    def expires_in(self) -> timedelta:
        return timedelta(days=self.cleaned_data["lifetime"])


class DurationField(forms.CharField):
    """``30s``, ``90m``, ``12h``, ``30d``; empty means no expiry."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_duration(value)
        except InvalidInput as error:
            raise forms.ValidationError(str(error)) from None


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False,
                             help_text=_("Kept in the audit log, e.g. “leaked in a CI log”."))


class ApiKeyIssueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.ModelMultipleChoiceField(
        label=_("Scopes"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    roles = forms.ModelMultipleChoiceField(
        label=_("Machine roles"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    expires_in = DurationField(label=_("Expires in"), required=False,
                               help_text=_("e.g. 90d or 12h; empty for no expiry."))
    application = forms.ModelChoiceField(label=_("Owning application"), queryset=None, required=False)

    def __init__(self, *args, **kwargs) -> None:
        from .models import Application, Permission, Role

        super().__init__(*args, **kwargs)
        self.fields["scopes"].queryset = Permission.objects.all()
        self.fields["roles"].queryset = Role.objects.filter(kind=Role.Kind.MACHINE)
        self.fields["application"].queryset = Application.objects.filter(is_active=True)


class PersonalAccessTokenIssueForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.ModelMultipleChoiceField(
        label=_("Scopes"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only scopes the user holds through their roles are accepted."))
    expires_in = DurationField(label=_("Expires in"), required=False,
                               help_text=_("e.g. 30d; empty for the default lifetime."))

    def __init__(self, *args, **kwargs) -> None:
        from django.contrib.auth import get_user_model

        from .models import Permission

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model()._default_manager.filter(is_active=True)
        self.fields["scopes"].queryset = Permission.objects.all()


class ApplicationIssueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    roles = forms.ModelMultipleChoiceField(
        label=_("Machine roles"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs) -> None:
        from .models import Role

        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = Role.objects.filter(kind=Role.Kind.MACHINE)


class PersonalAccessTokenChangeForm(forms.ModelForm):
    """A token edited in the admin keeps to the creation rule: scopes its user holds."""

    def clean_scopes(self):
        from .rbac import scopes_not_held

        scopes = self.cleaned_data["scopes"]
        not_held = scopes_not_held(self.instance.user, [permission.scope for permission in scopes])
        if not_held:
            raise forms.ValidationError(_("The user does not hold scope: %s.") % ", ".join(not_held))
        return scopes


class ApplicationChangeForm(forms.ModelForm):
    """An application's registered keys, subjects and certificates, validated."""

    add_certificate = forms.CharField(
        label=_("Add a self-signed certificate"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Paste a PEM certificate; its SHA-256 thumbprint is registered, not the certificate."))

    class Meta:
        from .models import Application

        model = Application
        fields = ["name", "description", "roles", "jwks", "tls_subject_dn", "tls_san", "tls_certificate_thumbprints"]

    def clean_tls_subject_dn(self):
        from .oauth.clients import validate_tls_subject

        return self._validated(validate_tls_subject, self.cleaned_data["tls_subject_dn"])

    def clean_tls_san(self):
        from .oauth.clients import validate_tls_san

        return self._validated(validate_tls_san, self.cleaned_data["tls_san"])

    def clean_tls_certificate_thumbprints(self):
        from .oauth.clients import validate_thumbprints

        value = self.cleaned_data["tls_certificate_thumbprints"]
        return self._validated(validate_thumbprints, value) if value is not None else []

    def clean_jwks(self):
        from .oauth.clients import validate_jwks

        return self._validated(validate_jwks, self.cleaned_data["jwks"])

    def clean_add_certificate(self):
        from .oauth.clients import certificate_expiries

        pem = self.cleaned_data["add_certificate"].strip()
        return self._validated(lambda text: certificate_expiries([text.encode()]), pem)

    @staticmethod
    def _validated(check, value):
        if not value:
            return value
        try:
            return check(value)
        except InvalidInput as error:
            raise forms.ValidationError(str(error)) from None

    def save(self, commit=True):
        application = super().save(commit=False)
        from .oauth.clients import remember_certificates

        added = self.cleaned_data.get("add_certificate")
        if added:
            remember_certificates(application, added)
        if commit:
            application.save()
            self.save_m2m()
        return application

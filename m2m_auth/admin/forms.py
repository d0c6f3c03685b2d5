"""The admin's issuing and editing forms; each checks what its flow will be given."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from ..app_settings import app_settings
from ..durations import parse_duration
from ..exceptions import InvalidInput
from ..models import Application, Permission, Role
from ..oauth import clients
from .display import duration_text
from .fields import JsonTextField, LinesField, ScopeCheckboxField, empty_hint


def validated(check, value):
    """A flow's validator as a form check: its ``InvalidInput`` becomes the field's error."""
    if not value:
        return value
    try:
        return check(value)
    except InvalidInput as error:
        raise forms.ValidationError(str(error)) from None


class DurationField(forms.CharField):
    """``30s``, ``90m``, ``12h``, ``30d``; empty means none."""

    def clean(self, value):
        return validated(parse_duration, super().clean(value)) or None


class RoleChoiceField(forms.ModelMultipleChoiceField):
    """``billing (orders:read, orders:write)``: a role shows what it grants."""

    def __init__(self, queryset=None, **kwargs) -> None:
        queryset = Role.objects.filter(kind=Role.Kind.MACHINE) if queryset is None else queryset
        super().__init__(queryset.prefetch_related("permissions"), **kwargs)

    def label_from_instance(self, role) -> str:
        scopes = ", ".join(sorted(p.scope for p in role.permissions.all())) or _("no scopes")
        return f"{role.name} ({scopes})"


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False,
                             help_text=_("Kept in the audit log, e.g. “leaked in a CI log”."))


class RollForm(forms.Form):
    overlap = DurationField(label=_("Keep the old key working for"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = duration_text(timedelta(seconds=app_settings.API_KEY_ROLL_OVERLAP))
        self.fields["overlap"].help_text = _("e.g. 2h or 7d; empty for the default, %s.") % default


class HintedForm(forms.Form):
    """Empty choice lists say how to fill them."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelMultipleChoiceField):
                empty_hint(field)


class ApiKeyIssueForm(HintedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = ScopeCheckboxField(Permission.objects.all(), label=_("Scopes"), required=False)
    roles = RoleChoiceField(label=_("Machine roles"), required=False, widget=forms.CheckboxSelectMultiple)
    expires_in = DurationField(label=_("Expires in"), required=False,
                               help_text=_("e.g. 90d or 12h; empty for no expiry."))
    application = forms.ModelChoiceField(label=_("Owning application"), required=False,
                                         queryset=Application.objects.filter(is_active=True))


class PersonalAccessTokenIssueForm(HintedForm):
    user = forms.ModelChoiceField(label=_("User"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = ScopeCheckboxField(Permission.objects.all(), label=_("Scopes"), required=False,
                                help_text=_("Only scopes the user holds through their roles are accepted."))
    expires_in = DurationField(label=_("Expires in"), required=False,
                               help_text=_("e.g. 30d; empty for the default lifetime."))

    def __init__(self, *args, **kwargs) -> None:
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model()._default_manager.filter(is_active=True)


class PersonalAccessTokenChangeForm(forms.ModelForm):
    """A token edited in the admin keeps to the creation rule: scopes its user holds."""

    def clean_scopes(self):
        from ..rbac import scopes_not_held

        scopes = self.cleaned_data["scopes"]
        not_held = scopes_not_held(self.instance.user, [permission.scope for permission in scopes])
        if not_held:
            raise forms.ValidationError(_("The user does not hold scope: %s.") % ", ".join(not_held))
        return scopes


class ThumbprintsField(LinesField):
    def __init__(self, *, encoder=None, decoder=None, **kwargs) -> None:
        super().__init__(**kwargs)

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for number, line in enumerate(value, 1):
            if not clients.THUMBPRINT.match(line):
                raise forms.ValidationError(
                    _("Line %(number)d is not an x5t#S256 thumbprint (43 base64url characters): %(line)s"),
                    params={"number": number, "line": line[:60]})


class RegistrationChecks(forms.Form):
    """Keys, subjects and certificates checked by the same validators as the command line."""

    def clean_tls_subject_dn(self):
        return validated(clients.validate_tls_subject, self.cleaned_data["tls_subject_dn"])

    def clean_tls_san(self):
        return validated(clients.validate_tls_san, self.cleaned_data["tls_san"])

    def clean_jwks(self):
        return validated(clients.validate_jwks, self.cleaned_data["jwks"])

    def clean_add_certificate(self):
        pem = self.cleaned_data["add_certificate"].strip()
        validated(lambda text: clients.certificate_expiries([text.encode()]), pem)
        return pem


CERTIFICATE_HELP = _("Paste a PEM certificate; its SHA-256 thumbprint is registered, not the certificate.")
JWKS_HELP = _("For private_key_jwt: the application's public keys as a JWK Set, {\"keys\": [...]}.")


class ApplicationIssueForm(RegistrationChecks, HintedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    roles = RoleChoiceField(label=_("Machine roles"), required=False, widget=forms.CheckboxSelectMultiple)
    with_secret = forms.BooleanField(
        label=_("Issue a client secret"), required=False, initial=True,
        help_text=_("Untick for a client that authenticates only by certificate (mutual TLS) or by a signed "
                    "assertion (private_key_jwt): no secret exists that could leak."))
    jwks = JsonTextField(label=_("Public keys (JWKS)"), required=False, help_text=JWKS_HELP)
    tls_subject_dn = forms.CharField(label=_("TLS client certificate subject"), required=False, max_length=500,
                                     help_text=Application._meta.get_field("tls_subject_dn").help_text)
    tls_san = forms.CharField(label=_("TLS client certificate SAN"), required=False, max_length=500,
                              help_text=Application._meta.get_field("tls_san").help_text)
    add_certificate = forms.CharField(label=_("Self-signed certificate"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}), help_text=CERTIFICATE_HELP)

    sections = [
        (None, ["name", "roles", "with_secret"]),
        (_("private_key_jwt"), ["jwks"]),
        (_("Mutual TLS (RFC 8705)"), ["tls_subject_dn", "tls_san", "add_certificate"]),
    ]


class ApplicationChangeForm(RegistrationChecks, forms.ModelForm):
    """An application's registered keys, subjects and certificates, validated and readable."""

    add_certificate = forms.CharField(label=_("Add a self-signed certificate"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}), help_text=CERTIFICATE_HELP)

    class Meta:
        model = Application
        fields = ["name", "description", "roles", "jwks", "tls_subject_dn", "tls_san", "tls_certificate_thumbprints"]
        field_classes = {"jwks": JsonTextField, "tls_certificate_thumbprints": ThumbprintsField,
                         "roles": RoleChoiceField}
        help_texts = {"tls_certificate_thumbprints": _("One x5t#S256 thumbprint per line; delete a line to "
                                                       "unregister that certificate.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        empty_hint(self.fields["roles"])

    def clean_tls_certificate_thumbprints(self):
        return clients.validate_thumbprints(self.cleaned_data["tls_certificate_thumbprints"] or [])

    def save(self, commit=True):
        application = super().save(commit=False)
        pem = self.cleaned_data.get("add_certificate")
        if pem:
            clients.remember_certificates(application, clients.certificate_expiries([pem.encode()]))
        if commit:
            application.save()
            self.save_m2m()
        return application

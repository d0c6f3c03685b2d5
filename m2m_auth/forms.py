"""The self-service page's form (the admin's are in ``m2m_auth.admin.forms``)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from .app_settings import app_settings
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

"""The "expiring soon" page: keys, tokens, client secrets and certificates about to run out.

It shows what ``expiry.expiring`` finds (the list ``m2m ... list --expiring``
and ``m2m notify-expiring`` work from), for the kinds the operator may view,
soonest first, each linked to the page that rolls, rotates or revokes it.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .. import expiry
from ..app_settings import app_settings
from ..models import ApiKey, Application, ClientSecret, PersonalAccessToken
from .base import change_url, masked
from .display import duration_text
from .forms import DurationField


class WindowForm(forms.Form):
    within = DurationField(label=_("Expiring within"), required=False, help_text=_("e.g. 3d, 7d, 30d"))

    def window(self) -> timedelta:
        """The chosen window; the warning window while the input is empty or wrong."""
        if self.is_valid() and self.cleaned_data["within"]:
            return self.cleaned_data["within"]
        return timedelta(seconds=app_settings.EXPIRY_WARNING_WINDOW)


SECTIONS = [
    ("api_key", ApiKey, _("API keys"), _("Roll or revoke it from its page.")),
    ("personal_access_token", PersonalAccessToken, _("Personal access tokens"),
     _("Its user creates a new one on their tokens page.")),
    ("client_secret", ClientSecret, _("Client secrets"), _("Rotate the application's secret from its page.")),
    (expiry.CERTIFICATE, Application, _("Registered certificates"),
     _("Register the application's new certificate on its page; only certificates registered from their PEM "
       "have a known expiry.")),
]


def row(item: expiry.Expiring) -> dict:
    owner = item.credential if item.kind == expiry.CERTIFICATE else getattr(item.credential, "application", None)
    shown = item.target_id if item.kind == expiry.CERTIFICATE else masked(item.credential)
    label = _("self-signed certificate") if item.kind == expiry.CERTIFICATE else item.name
    return {"item": item, "label": label, "shown": shown, "url": change_url(item.credential),
            "owner": owner or getattr(item.credential, "user", None),
            "owner_url": change_url(owner) if owner is not None else None}


def may_view(user, model) -> bool:
    name = model._meta.model_name
    return user.has_perm(f"m2m_auth.view_{name}") or user.has_perm(f"m2m_auth.change_{name}")


class ExpiringViewMixin:
    """Mounted on one model admin's URLs, named ``admin:m2m_auth_expiring``."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.expiring_view)
        return [path("expiring/", view, name="m2m_auth_expiring"), *super().get_urls()]

    def expiring_view(self, request):
        form = WindowForm(request.GET or None)
        within = form.window()
        found = expiry.expiring(within)
        sections = [{"title": title, "hint": hint, "rows": [row(item) for item in found if item.kind == kind]}
                    for kind, model, title, hint in SECTIONS if may_view(request.user, model)]
        context = {**self.admin_site.each_context(request), "title": _("Expiring soon"), "form": form,
                   "window": duration_text(within), "sections": sections, "opts": self.model._meta}
        return TemplateResponse(request, "m2m_auth/admin/expiring.html", context, status=400 if form.errors else 200)

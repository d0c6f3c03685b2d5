"""The "expiring soon" page: keys, tokens and client secrets about to run out, with their dates.

It lists what the models' ``expiring`` querysets return, for the kinds the
operator may view, soonest first, each linked to the page that rolls,
rotates or revokes it.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from ..durations import parse_duration
from ..models import ApiKey, Application, ClientSecret, PersonalAccessToken
from .base import masked
from .forms import DurationField

DEFAULT_WINDOW = "7d"


class WindowForm(forms.Form):
    within = DurationField(label=_("Expiring within"), required=False, initial=DEFAULT_WINDOW,
                           help_text=_("e.g. 3d, 7d, 30d"))

    def window(self) -> tuple[str, timedelta]:
        """The window as written and as a duration; the default while the input is empty or wrong."""
        if self.is_valid() and self.cleaned_data["within"]:
            return self.data["within"].strip(), self.cleaned_data["within"]
        return DEFAULT_WINDOW, parse_duration(DEFAULT_WINDOW)


def rows(model, within: timedelta, related: str) -> list[dict]:
    credentials = model.objects.expiring(within).select_related(related).order_by("expires_at")
    return [{"credential": credential, "masked": masked(credential), "owner": getattr(credential, related),
             "owner_url": application_url(getattr(credential, related)), "change_url": change_url(credential)}
            for credential in credentials]


def change_url(obj) -> str:
    return reverse(f"admin:m2m_auth_{obj._meta.model_name}_change", args=[obj.pk])


def application_url(owner) -> str | None:
    return change_url(owner) if isinstance(owner, Application) else None


SECTIONS = [
    (ApiKey, _("API keys"), "application", _("Roll or revoke it from its page.")),
    (PersonalAccessToken, _("Personal access tokens"), "user", _("Its user creates a new one on their tokens page.")),
    (ClientSecret, _("Client secrets"), "application", _("Rotate the application's secret from its page.")),
]


class ExpiringViewMixin:
    """Mounted on one model admin's URLs, named ``admin:m2m_auth_expiring``."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.expiring_view)
        return [path("expiring/", view, name="m2m_auth_expiring"), *super().get_urls()]

    def expiring_view(self, request):
        form = WindowForm(request.GET or None)
        window, within = form.window()
        sections = [
            {"title": title, "hint": hint, "rows": rows(model, within, related)}
            for model, title, related, hint in SECTIONS
            if request.user.has_perm(f"m2m_auth.view_{model._meta.model_name}")
            or request.user.has_perm(f"m2m_auth.change_{model._meta.model_name}")
        ]
        context = {**self.admin_site.each_context(request), "title": _("Expiring soon"), "form": form,
                   "window": window, "sections": sections, "opts": self.model._meta}
        return TemplateResponse(request, "m2m_auth/admin/expiring.html", context, status=400 if form.errors else 200)

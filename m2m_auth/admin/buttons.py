"""Buttons on a change page (revoke, roll, rotate), each behind a confirm step.

A button links to ``<pk>/<name>/``: GET explains what will happen and asks for
what the flow needs (a reason, an overlap); POST calls the flow. Both need the
change permission on that object, so revoked rows, being read-only, offer none.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse


def object_url(model_admin, obj, name: str) -> str:
    opts = model_admin.model._meta
    return reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk])


class ObjectButtonsMixin:
    """``object_buttons`` names views ``<name>_view(request, obj)``; labels come from ``button_label``."""

    object_buttons: tuple[str, ...] = ()
    danger_buttons: tuple[str, ...] = ("revoke", "disable")
    change_form_template = "m2m_auth/admin/change_form.html"

    def button_label(self, name: str, obj) -> str:
        raise NotImplementedError

    def shows_button(self, name: str, obj) -> bool:
        return True

    def get_urls(self):
        opts = self.model._meta
        buttons = [
            path(f"<path:object_id>/{name}/", self.admin_site.admin_view(self._button_view(name)),
                 name=f"{opts.app_label}_{opts.model_name}_{name}")
            for name in self.object_buttons
        ]
        return [*buttons, *super().get_urls()]

    def _button_view(self, name: str):
        def view(request, object_id):
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404
            if not (self.has_change_permission(request, obj) and self.shows_button(name, obj)):
                raise PermissionDenied
            return getattr(self, f"{name}_view")(request, obj)

        return view

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        buttons = [] if obj is None or not self.has_change_permission(request, obj) else [
            {"url": object_url(self, obj, name), "label": self.button_label(name, obj),
             "danger": name in self.danger_buttons}
            for name in self.object_buttons if self.shows_button(name, obj)
        ]
        extra_context = {**(extra_context or {}), "object_buttons": buttons}
        return super().change_view(request, object_id, form_url, extra_context)


def confirm_page(model_admin, request, obj, *, title: str, form, explanation: list[str], submit_label: str,
                 danger: bool = False) -> TemplateResponse:
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request), "title": title, "opts": opts, "original": obj,
        "form": form, "explanation": explanation, "submit_label": submit_label, "danger": danger,
        "cancel_url": reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                              args=[obj.pk]),
    }
    return TemplateResponse(request, "m2m_auth/admin/confirm.html", context, status=400 if form.errors else 200)

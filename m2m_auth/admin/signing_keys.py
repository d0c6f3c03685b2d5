"""Signing keys: states and public data only; rotation from a button."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..models import SigningKey
from ..oauth import keys
from .base import ReadOnlyAdmin, actor


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """The private part never leaves the database."""

    list_display = ["kid", "algorithm", "state", "created_at", "activated_at", "retired_at"]
    list_filter = ["state", "algorithm"]
    fields = ["kid", "algorithm", "state", "public_jwk", "created_at", "activated_at", "demoted_at", "retired_at"]
    change_list_template = "m2m_auth/admin/signing_key_changelist.html"

    def has_rotate_permission(self, request) -> bool:
        return request.user.has_perm("m2m_auth.change_signingkey")

    def changelist_view(self, request, extra_context=None):
        keys.settle()  # a scheduled key whose time has come is listed as current
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

"""Issuing from the add page, and the page that shows a new secret once."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from ..exceptions import M2MAuthError


class IssuingAdmin:
    """The add page issues through the flow and shows the secret once."""

    issue_form = None
    submit_label = _("Issue")
    add_title = _("Issue %s")
    issued_summary = _("Issued %s.")

    def issue(self, request, form):
        """Calls the flow; returns (object, plaintext secret)."""
        raise NotImplementedError

    def issued_facts(self, obj) -> list[tuple]:
        """(label, value) pairs shown beside the new secret: ids and dates."""
        return [(_("Expires"), obj.expires_at)]

    @method_decorator(never_cache)
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.issue_form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                obj, secret = self.issue(request, form)
            except M2MAuthError as error:
                form.add_error(None, str(error))
            else:
                return secret_page(self, request, obj, secret, self.issued_summary % obj, self.issued_facts(obj))
        title = self.add_title % self.model._meta.verbose_name
        sections = getattr(form, "sections", [(None, list(form.fields))])
        context = {**self.admin_site.each_context(request), "title": title, "form": form,
                   "sections": [(heading, [form[name] for name in names]) for heading, names in sections],
                   "opts": self.model._meta, "submit_label": self.submit_label}
        return TemplateResponse(request, "m2m_auth/admin/issue_form.html", context, status=400 if form.errors else 200)


def secret_page(model_admin, request, obj, secret: str | None, summary: str, facts: list[tuple],
                original=None) -> TemplateResponse:
    """``original`` is the object the breadcrumbs lead back to (by default the new one)."""
    opts = model_admin.model._meta
    original = original or obj
    context = {
        **model_admin.admin_site.each_context(request), "title": _("Copy the secret now") if secret else summary,
        "opts": opts, "original": original, "summary": summary, "facts": facts, "secret": secret,
        "secret_label": _("Secret"),
        "done_url": reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                            args=[original.pk]),
    }
    response = TemplateResponse(request, "m2m_auth/admin/secret_created.html", context)
    response["Cache-Control"] = "no-store"
    return response

"""Form fields for operators: scopes by resource, readable JSON and lists, hints."""

from __future__ import annotations

import json
from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

EMPTY_HINTS = {
    "role": (_("No machine roles yet."), "m2m_auth_role_add", "?kind=machine", _("Create a machine role")),
    "permission": (_("No scopes yet."), "m2m_auth_apiresource_add", "", _("Add an API resource with its scopes")),
}


def empty_hint(field: forms.ModelChoiceField, site_name: str = "admin") -> None:
    """When there is nothing to choose from, the help text says how to make something."""
    model = field.queryset.model._meta.model_name
    choices = field.queryset.complex_filter(field.get_limit_choices_to() or {})
    if model in EMPTY_HINTS and not choices.exists():
        sentence, url_name, query, link = EMPTY_HINTS[model]
        field.help_text = format_html('{} <a href="{}{}">{}</a>.', sentence, reverse(f"{site_name}:{url_name}"),
                                      query, link)


def scopes_by_resource(queryset):
    return queryset.select_related("resource").order_by("resource__name", "scope")


class ScopeChoiceField(forms.ModelMultipleChoiceField):
    """``orders:read (Demo API)``: a scope never appears without its resource."""

    def __init__(self, queryset, **kwargs) -> None:
        super().__init__(scopes_by_resource(queryset), **kwargs)

    def label_from_instance(self, permission) -> str:
        return f"{permission.scope} ({permission.resource.name})"


class GroupedByResource(ModelChoiceIterator):
    def __iter__(self):
        for resource, permissions in groupby(self.queryset, key=lambda permission: permission.resource):
            yield f"{resource.name} ({resource.identifier})", [self.choice(p) for p in permissions]


class ScopeCheckboxField(ScopeChoiceField):
    """Checkboxes under one heading per resource."""

    iterator = GroupedByResource
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, permission) -> str:
        return permission.scope


class JsonTextField(forms.JSONField):
    """JSON indented for reading; empty when there is none, never ``null``."""

    widget = forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField m2m-code", "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False) if value else ""


class LinesField(forms.Field):
    """A list edited as one item per line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField m2m-code", "spellcheck": "false"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else (value or "")

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]

    def has_changed(self, initial, data) -> bool:
        return sorted(initial or []) != sorted(self.to_python(data))

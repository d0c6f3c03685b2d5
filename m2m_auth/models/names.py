"""One rule for every name an operator gives: keys, tokens, applications, roles, resources."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models

from ..exceptions import InvalidInput

MAX_NAME = 100


def normalize_name(name: str, what: str = "name") -> str:
    """Surrounding spaces dropped; 1 to 100 characters, no control characters.

    The admin, the command line, ``apply`` and the self-service pages all call
    this, so a name means the same thing whichever way it was typed.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidInput(f"Invalid {what} {name[:MAX_NAME]!r}: 1 to {MAX_NAME} characters, no control characters.")
    return name


def clean_name(instance: models.Model) -> None:
    """``Model.clean()``'s part: the same rule as the flows', as a form error."""
    try:
        instance.name = normalize_name(instance.name)
    except InvalidInput as error:
        raise ValidationError({"name": str(error)}) from None

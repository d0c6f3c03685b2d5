"""Issuing and checking secrets with the configured prefix and peppers.

A kind (``api_key``, ``personal_access_token``, ``client_secret``) is the
``object_kind`` of a secret model; the model also holds its prefix code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from . import crypto
from .app_settings import app_settings


class NewSecret(NamedTuple):
    public_id: str
    plaintext: str
    secret_hash: str


def prefix(kind: str) -> str:
    """The typed prefix of a secret kind, e.g. ``m2m_ak_``; LookupError for an unknown kind."""
    try:
        return prefixes()[kind]
    except KeyError:
        raise LookupError(f"No secret credential of kind {kind!r}.") from None


def new_secret(kind: str) -> NewSecret:
    """A fresh secret of a kind."""
    public_id, plaintext = crypto.generate_token(prefix(kind))
    return NewSecret(public_id, plaintext, crypto.hash_token(plaintext, app_settings.current_pepper()))


def parse(token: str, kind: str) -> crypto.ParsedToken | None:
    return crypto.parse_token(token, prefix(kind))


def matches(token: str, secret_hash: str) -> bool:
    return crypto.verify_token(token, secret_hash, app_settings.peppers())


def prefixes() -> Mapping[str, str]:
    """Every secret kind's typed prefix, by kind."""
    return app_settings.derived(_typed_prefixes)


def _typed_prefixes(values: dict[str, Any]) -> dict[str, str]:
    from .models import SECRET_MODELS  # models import this module

    return {model.object_kind: f"{values['VENDOR']}_{model.prefix_code}_" for model in SECRET_MODELS}


def kind_of(token: str) -> str | None:
    """The secret kind a token claims by its prefix, without validating it."""
    for kind, typed in prefixes().items():
        if token.startswith(typed):
            return kind
    return None

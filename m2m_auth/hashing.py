"""Issuing and checking secrets with the configured prefix and peppers."""

from __future__ import annotations

from typing import NamedTuple

from . import crypto
from .app_settings import app_settings


class NewSecret(NamedTuple):
    public_id: str
    plaintext: str
    secret_hash: str


def new_secret(kind: str) -> NewSecret:
    """A fresh secret of a kind (``api_key``, ``personal_access_token``, ``client_secret``)."""
    public_id, plaintext = crypto.generate_token(app_settings.prefix(kind))
    return NewSecret(public_id, plaintext, crypto.hash_token(plaintext, app_settings.current_pepper()))


def parse(token: str, kind: str) -> crypto.ParsedToken | None:
    return crypto.parse_token(token, app_settings.prefix(kind))


def matches(token: str, secret_hash: str) -> bool:
    return crypto.verify_token(token, secret_hash, app_settings.peppers())


def kind_of(token: str) -> str | None:
    """The secret kind a token claims by its prefix, without validating it."""
    for kind in ("api_key", "personal_access_token", "client_secret"):
        if token.startswith(app_settings.prefix(kind)):
            return kind
    return None

"""``m2m inspect``: why this site would accept or refuse a credential.

For an operator, not for the request path: the 401 answer stays the same for
every reason (no oracle), while this says which check fails and what to do.
It runs the request path's own verification, asked not to count this as a
use: no last-used write, no audit row (a refusal is logged, as always). The
report never holds the secret, only its kind, public id and what the
database and settings say.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from . import hashing, verification
from .authentication import secret_authentication
from .models import SECRET_MODELS
from .cli.output import iso

OTHER_KIND_NAMES = {"jwt": "JWT access token", "unknown": "not an m2m-auth credential"}


def kind_name(kind: str) -> str:
    """A kind as people read it: the model's verbose name, or a JWT, or unknown."""
    names = {model.object_kind: str(model._meta.verbose_name) for model in SECRET_MODELS}
    return names.get(kind) or OTHER_KIND_NAMES.get(kind, kind)


HINTS = {
    "malformed": "The checksum does not match: the value was mistyped or cut short. Copy it again, whole.",
    "unknown id": "No credential has this public id here: it was issued by another site or database, or deleted.",
    "wrong secret": "The public id exists but the secret part is wrong: a mistyped or forged value.",
    "revoked": "Revoked credentials never work again: issue a new one.",
    "expired": "Issue a new one (or, for an API key, roll it: m2m apikey roll ID).",
    "user inactive": "The token's user is inactive: reactivate the user or issue a token for another.",
    "application disabled": "The key's application is disabled: it and its keys are refused.",
    "client secret": "Good at the token endpoint only: APIs take the access token it is exchanged for there.",
}


def report(token: str) -> dict[str, Any]:
    """What this site makes of a credential, as a JSON-ready dict (never the secret)."""
    token = token.strip().removeprefix("Bearer ").strip()
    kind = hashing.kind_of(token)
    if kind is not None:
        return _secret_report(token, kind)
    if token.startswith("eyJ"):
        from .oauth.inspection import jwt_report

        return jwt_report(token)
    return verdict({"kind": "unknown"}, "not an m2m-auth credential",
                   "API keys, personal access tokens and client secrets start with their prefixes "
                   f"({', '.join(sorted(hashing.prefixes().values()))}); access tokens are JWTs (eyJ...).")


def _secret_report(token: str, kind: str) -> dict[str, Any]:
    """The verdict of the request path's own verification (``use=False``: nothing is written)."""
    checked = verification.verify(kind, token, None, use=False)
    found: dict[str, Any] = {"kind": kind, "public_id": checked.public_id}
    credential = checked.credential
    if credential is None and checked.public_id is not None and checked.reason != "unknown id":
        credential = verification.FINDERS[kind](checked.public_id)
    if credential is not None:
        found.update(_details(kind, credential))
    if checked.reason is not None:
        return verdict(found, checked.reason)
    if kind == "client_secret":
        return verdict(found, None, HINTS["client secret"])
    return verdict(found, not_configured(secret_authentication(kind)))


def _details(kind: str, credential: Any) -> dict[str, Any]:
    details = {"name": getattr(credential, "name", None), "status": credential.status,
               "expires_at": iso(credential.expires_at), "revoke_reason": credential.revoke_reason or None}
    if kind == "client_secret":
        return {**details, "client_id": credential.application.client_id}
    return {**details, "scopes": sorted(secret_authentication(kind)().context(credential).scopes)}


def not_configured(authentication: type) -> str | None:
    """A refusal when no default authentication class would even read this kind."""
    for path in getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_AUTHENTICATION_CLASSES", []):
        try:
            if issubclass(import_string(path), authentication):
                return None
        except (ImportError, TypeError):
            continue
    return f"{authentication.__name__} is not in REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']"


def verdict(found: dict[str, Any], reason: str | None, hint: str | None = None) -> dict[str, Any]:
    """The report: accepted, or the reason for the refusal, and what to do about it."""
    return {**found, "accepted": reason is None, "reason": reason, "hint": hint or hint_for(reason)}


def hint_for(reason: str | None) -> str | None:
    if reason and reason.endswith("DEFAULT_AUTHENTICATION_CLASSES']"):
        return "Add it there, or to the authentication_classes of the views that should accept it."
    return HINTS.get(reason or "")

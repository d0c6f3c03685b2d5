"""The one path that verifies a presented secret: API key, PAT or client secret.

    verify(kind, presented, address) -> Verdict(credential | reason)

The DRF authentication classes, OAuth client authentication, introspection,
revocation and token exchange all call it. In order: the input (a string of
bounded length in the token alphabet, with its checksum; a client id of the
client id's shape), the credential by public id, the constant-time hash
check, then the reasons a genuine credential may not be used now. Nothing is
written except the coalesced last-used touch, and only when the credential
is used: introspecting or revoking it is not use.

API keys and PATs are remembered per worker (``freshness.Memo``) under the
stamp read before their one narrow query: a hit costs the stamp's cache read
and no query. What can change with time alone (revocation, expiry, disabled
owner) is judged on every request, hits included, and every committed change
replaces the stamp, so a remembered credential is never used past a change.

Every refusal is logged at INFO on ``m2m_auth.verification`` with the
credential's public id, never the secret; callers answer every refusal alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.db.models.base import ModelState
from django.utils import timezone

from . import freshness, hashing, inputs, last_used, lookup
from .oauth.remembered import client_secret as remembered_client_secret

logger = logging.getLogger("m2m_auth.verification")


@dataclass(frozen=True)
class Verdict:
    """``credential`` when accepted, else ``reason``; ``public_id`` once the input was well-formed."""

    kind: str
    public_id: str | None = None
    credential: Any = None
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.credential is not None


def verify(kind: str, presented: object, address: str | None, *, client_id: object = None,
           use: bool = True) -> Verdict:
    """``client_id``: for a client secret, the client that must own it (None: any client)."""
    parsed = hashing.parse(presented, kind) if isinstance(presented, str) else None
    if parsed is None or (client_id is not None and inputs.client_id(client_id) is None):
        return refused(Verdict(kind, reason="malformed"), address)
    remembered = find(kind, parsed.public_id)
    if remembered is None:
        return refused(Verdict(kind, parsed.public_id, reason="unknown id"), address)
    credential = for_this_request(remembered)
    if not hashing.matches(parsed.token, credential.secret_hash):
        return refused(Verdict(kind, parsed.public_id, reason="wrong secret"), address)
    now = timezone.now()
    reason = refusal(kind, credential, client_id, now)
    if reason:
        return refused(Verdict(kind, parsed.public_id, reason=reason), address)
    if use:
        last_used.touch(credential, address, now)
        if credential.__dict__.get("last_used_at") is not remembered.__dict__.get("last_used_at"):
            # written or read again: so that this worker's next request knows the row is fresh
            for name in last_used.WRITTEN_FIELDS:
                setattr(remembered, name, getattr(credential, name))
    return Verdict(kind, parsed.public_id, credential)


def refusal(kind: str, credential: Any, client_id: object = None, now: datetime | None = None) -> str | None:
    """Why a genuine credential may not be used now (by default, ``timezone.now()``), or None."""
    if kind == "api_key" and credential.application_id is not None and not credential.owner_active:
        return "application disabled"
    if kind == "personal_access_token" and not credential.user.is_active:
        return "user inactive"
    if kind == "client_secret" and not credential.application.is_active:
        return "application disabled"
    if kind == "client_secret" and client_id is not None and credential.application.client_id != client_id:
        return "secret of another client"
    if credential.revoked_at is not None:
        return "revoked"
    expires_at = credential.expires_at
    return "expired" if expires_at is not None and expires_at <= (now or timezone.now()) else None


def refused(verdict: Verdict, address: str | None) -> Verdict:
    log_refusal(verdict.kind, verdict.public_id, address, verdict.reason or "refused")
    return verdict


def log_refusal(kind: str, ident: str | None, address: str | None, reason: str) -> None:
    """The one log line of a refused credential of any kind; ``ident`` must already be safe to log."""
    logger.info("refused %s %s from %s: %s", kind, ident or "(malformed)", address or "-", reason)


_remembered: freshness.Memo = freshness.memo()
REMEMBERED = frozenset({"api_key", "personal_access_token"})


def find(kind: str, public_id: str) -> Any:
    """The credential with its scopes: remembered under the stamp read first, else the one query."""
    if kind not in REMEMBERED:
        return FINDERS[kind](public_id)
    stamp = freshness.stamp_or_forget()  # None: a process-local cache or an outage; nothing remembered
    remembered = _remembered.get((kind, public_id), stamp)
    if remembered is None:
        remembered = FINDERS[kind](public_id)
        if remembered is not None:
            _remembered.put((kind, public_id), stamp, remembered)
    return remembered


def for_this_request(remembered: Any) -> Any:
    """A shallow copy (its user too): what a request sets on it never reaches the memo."""
    credential = shallow_copy(remembered)
    user = credential._state.fields_cache.get("user")
    if user is not None:
        credential._state.fields_cache["user"] = shallow_copy(user)
    return credential


def shallow_copy(instance: Model) -> Any:
    """``copy.copy`` of a model instance, its state and related-object cache copied too (what
    ``Model.__getstate__`` copies), at a fifth of the cost."""
    clone = instance.__class__.__new__(instance.__class__)
    state = ModelState()
    state.__dict__ = {**instance._state.__dict__}
    state.fields_cache = {**state.fields_cache}
    clone.__dict__ = {**instance.__dict__, "_state": state}
    return clone


FINDERS: dict[str, Callable[[str], Any]] = {
    "api_key": lookup.find_api_key,
    "personal_access_token": lookup.find_personal_access_token,
    "client_secret": remembered_client_secret,
}

"""The one path that verifies a presented secret: API key, PAT or client secret.

    verify(kind, presented, address) -> Verdict(credential | reason)

The DRF authentication classes, OAuth client authentication, introspection,
revocation and token exchange all call it. In order: the input (a string of
bounded length in the token alphabet, with its checksum; a client id of the
client id's shape), one narrow query by public id, the constant-time hash
check, then the reasons a genuine credential may not be used now. Nothing is
written except the coalesced last-used touch, and only when the credential
is used: introspecting or revoking it is not use.

Every refusal is logged at INFO on ``m2m_auth.verification`` with the
credential's public id, never the secret; callers answer every refusal alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import hashing, inputs, last_used, lookup
from .oauth import remembered

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
    credential = FINDERS[kind](parsed.public_id)
    if credential is None:
        return refused(Verdict(kind, parsed.public_id, reason="unknown id"), address)
    if not hashing.matches(parsed.token, credential.secret_hash):
        return refused(Verdict(kind, parsed.public_id, reason="wrong secret"), address)
    reason = refusal(kind, credential, client_id)
    if reason:
        return refused(Verdict(kind, parsed.public_id, reason=reason), address)
    if use:
        last_used.touch(credential, address)
    return Verdict(kind, parsed.public_id, credential)


def refusal(kind: str, credential: Any, client_id: object = None) -> str | None:
    """Why a genuine credential may not be used now, or None."""
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
    return "expired" if credential.is_expired else None


def refused(verdict: Verdict, address: str | None) -> Verdict:
    log_refusal(verdict.kind, verdict.public_id, address, verdict.reason or "refused")
    return verdict


def log_refusal(kind: str, ident: str | None, address: str | None, reason: str) -> None:
    """The one log line of a refused credential of any kind; ``ident`` must already be safe to log."""
    logger.info("refused %s %s from %s: %s", kind, ident or "(malformed)", address or "-", reason)


FINDERS: dict[str, Callable[[str], Any]] = {
    "api_key": lookup.find_api_key,
    "personal_access_token": lookup.find_personal_access_token,
    "client_secret": remembered.client_secret,
}

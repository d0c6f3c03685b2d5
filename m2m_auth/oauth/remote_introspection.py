"""API keys and PATs at a remote resource server: introspected at the issuer.

A remote server cannot check a key's hash (it has no credential tables), so
it asks the issuer's introspection endpoint (RFC 7662) with its own client
credentials (``REMOTE_CLIENT_ID``/``REMOTE_CLIENT_SECRET``, an application
holding ``m2m:introspect``). An answer is reused in this process for at most
``REMOTE_INTROSPECTION_CACHE_SECONDS`` (a refusal for a few seconds, so that
a flood of bad keys is not a flood at the issuer), keyed by a hash of the
secret, never the secret. The revocation feed overrides a cached answer, so a
revoked key is refused as fast as a revoked JWT. The price against local
verification: one call to the issuer per key per process per cache period,
and an unreachable issuer is a 503 for keys not cached.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, NoReturn

from rest_framework import exceptions

from .. import hashing
from ..app_settings import app_settings
from ..outages import ServiceUnavailable
from ..authentication import INVALID, ApiKeyAuthentication, PersonalAccessTokenAuthentication
from ..principals import AuthContext, MachinePrincipal, TokenUser
from .remote_feed import follower_for
from .remote_http import Fetch, RemoteError, Response, basic_authorization, endpoint, form, http_fetch, json_object

logger = logging.getLogger("m2m_auth.remote_introspection")

REFUSAL_SECONDS = 5
MAX_ENTRIES = 10_000
TIMEOUT = 3.0


class AnswerCache:
    """Introspection answers of this process by a hash of the token, each for its own time."""

    def __init__(self) -> None:
        self._answers: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> dict | None:
        with self._lock:
            until, answer = self._answers.get(_digest(token), (0.0, None))
        return answer if until > time.monotonic() else None

    def put(self, token: str, answer: dict, seconds: float) -> None:
        with self._lock:
            self._answers[_digest(token)] = (time.monotonic() + seconds, answer)
            while len(self._answers) > MAX_ENTRIES:
                self._answers.popitem(last=False)

    def forget(self, token: str) -> None:
        with self._lock:
            self._answers.pop(_digest(token), None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


answers = AnswerCache()


def introspect(issuer: str, token: str) -> dict:
    """The issuer's answer about a token, from this process's cache when fresh."""
    answer = answers.get(token)
    if answer is None:
        answer = _ask(issuer, token)
        answers.put(token, answer, _seconds_to_keep(answer))
    return answer


def _seconds_to_keep(answer: dict) -> float:
    if not answer.get("active"):
        return REFUSAL_SECONDS
    seconds = float(app_settings.REMOTE_INTROSPECTION_CACHE_SECONDS)
    if isinstance(answer.get("exp"), int):
        seconds = min(seconds, answer["exp"] - time.time())
    return max(0.0, seconds)


def _ask(issuer: str, token: str, fetch: Fetch | None = None) -> dict:
    client_id, secret = app_settings.REMOTE_CLIENT_ID, app_settings.REMOTE_CLIENT_SECRET
    if not client_id or not secret:
        logger.error("an API key or PAT was presented, but REMOTE_CLIENT_ID/REMOTE_CLIENT_SECRET are not set")
        raise ServiceUnavailable()
    try:
        fetch = fetch or http_fetch
        url = endpoint(issuer, "introspection_endpoint", fetch)
        headers = {"Authorization": basic_authorization(client_id, secret), "Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded"}
        response = Response(*fetch(url, TIMEOUT, headers, form({"token": token})))
        if response.status == 401:
            raise RemoteError("the issuer refused REMOTE_CLIENT_ID/REMOTE_CLIENT_SECRET")
        return json_object(response, url)
    except (RemoteError, OSError, ValueError) as error:
        logger.warning("introspection at %s failed: %s", issuer, error)
        raise ServiceUnavailable() from None


class RemoteSecretAuthentication:
    """Verification by the issuer instead of by the local tables; mixed into the local classes."""

    kind: str

    def remote_principal(self, answer: dict, public_id: str) -> Any:
        raise NotImplementedError

    def authenticate_token(self, request, token: str):
        parsed = hashing.parse(token, self.kind)
        if parsed is None:
            self.refuse(request, None, "malformed")
        issuer = (app_settings.REMOTE_ISSUER or "").rstrip("/")
        if not issuer:
            logger.error("remote API key and PAT authentication is listed, but REMOTE_ISSUER is not set")
            raise ServiceUnavailable()
        follower = follower_for(issuer)
        follower.check_fresh()
        if follower.is_revoked(self.kind, parsed.public_id):
            answers.forget(token)
            self.refuse(request, parsed.public_id, "revoked (revocation feed)")
        answer = introspect(issuer, token)
        if not answer.get("active") or answer.get("credential_id") != parsed.public_id:
            self.refuse(request, parsed.public_id, "inactive at the issuer")
        context = AuthContext(self.kind, parsed.public_id, frozenset(str(answer.get("scope", "")).split()),
                              answer.get("client_id"), answer, answer.get("username"))
        return self.remote_principal(answer, parsed.public_id), context

    def refuse(self, request, public_id: str | None, reason: str) -> NoReturn:
        request._m2m_auth_rejected = True
        logger.info("rejected %s %s: %s", self.kind, public_id or "(malformed)", reason)
        raise exceptions.AuthenticationFailed(INVALID)


class RemoteApiKeyAuthentication(RemoteSecretAuthentication, ApiKeyAuthentication):
    """``X-API-Key`` or ``Authorization: Bearer`` API keys, checked by the remote issuer."""

    def remote_principal(self, answer: dict, public_id: str) -> MachinePrincipal:
        return MachinePrincipal(self.kind, public_id, public_id, answer.get("client_id"))


class RemotePersonalAccessTokenAuthentication(RemoteSecretAuthentication, PersonalAccessTokenAuthentication):
    """PATs checked by the remote issuer; ``request.user`` is a ``TokenUser`` (no local user row)."""

    def remote_principal(self, answer: dict, public_id: str) -> TokenUser:
        return TokenUser(str(answer.get("sub", "")), str(answer.get("username", "")), "")

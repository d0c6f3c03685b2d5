"""OAuth 2.0 client credentials as ``auth=`` for requests and httpx (sync and async).

    auth = ClientCredentialsAuth("https://auth.example.com/oauth/token", CLIENT_ID, CLIENT_SECRET,
                                 scope="orders:read")
    requests.get("https://api.example.com/orders/", auth=auth)
    httpx.get("https://api.example.com/orders/", auth=auth)
    async with httpx.AsyncClient(auth=auth) as client:
        await client.get("https://api.example.com/orders/")

The token is fetched on first use, cached, and fetched again shortly before
it expires; threads and tasks share one token and one fetch. A request
answered 401 is sent once more with a fresh token (the old one may have been
revoked, or signed by a retired key). In an event loop the token is fetched
in a worker thread, so the loop never blocks on it.

This one file uses only the standard library (httpx is used when it is
installed), and imports nothing of Django: on a client machine install the
``m2m-auth-client`` distribution (``clients/python`` in the m2m-auth
repository), which ships this same file as ``m2m_auth_client``, or copy it.

Exceptions::

    TokenError   the token endpoint refused (its RFC 6749 error code and
                 description are in the message), failed, could not be
                 reached, or answered without a usable access token
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote_plus, urlencode

try:
    import httpx
except ImportError:  # requests or plain urllib only
    httpx = None  # type: ignore[assignment]

__all__ = ["ClientCredentialsAuth", "TokenError"]

# httpx calls the auth flows of an httpx.Auth; requests calls the object itself.
_AuthBase: Any = httpx.Auth if httpx is not None else object


class TokenError(Exception):
    pass


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class ClientCredentialsAuth(_AuthBase):
    # httpx reads the body first, so that the retry after a 401 can send it again.
    requires_request_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | Iterable[str] | None = None,
        resource: str | Iterable[str] | None = None,
        *,
        timeout: float = 10.0,
        refresh_margin: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url, self.timeout, self.refresh_margin, self.clock = token_url, timeout, refresh_margin, clock
        self._basic = "Basic " + base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()).decode()
        self._form = [("grant_type", "client_credentials")]
        if scope is not None:
            self._form.append(("scope", " ".join(_as_list(scope))))
        self._form += [("resource", value) for value in _as_list(resource)]
        # (token, refresh at) replaced as one value, so readers need no lock.
        self._current: tuple[str | None, float] = (None, 0.0)
        self._lock = threading.Lock()

    def token(self) -> str:
        """The current access token, fetched or refreshed as needed (blocks while fetching)."""
        with self._lock:
            token = self._fresh()
            if token is None:
                token, lifetime = self._fetch()
                self._current = (token, self.clock() + lifetime - self._margin(lifetime))
            return token

    async def async_token(self) -> str:
        """The current access token, fetched in a worker thread when needed."""
        fresh = self._fresh()
        return fresh if fresh is not None else await asyncio.to_thread(self.token)

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when given)."""
        if token is None or self._current[0] == token:
            self._current = (None, 0.0)

    # requests: auth(request), then a response hook that retries a 401 once.
    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token()}"
        if hasattr(request, "register_hook"):
            request.register_hook("response", self._retry_requests_401)
        return request

    def _retry_requests_401(self, response, **kwargs):
        request = response.request
        if response.status_code != 401 or getattr(request, "_m2m_retried", False) or not _resendable(request.body):
            return response
        self.invalidate(request.headers["Authorization"].removeprefix("Bearer "))
        response.content  # noqa: B018  (read it, so the connection can be reused)
        response.close()
        retry = request.copy()
        retry.headers["Authorization"] = f"Bearer {self.token()}"
        retry._m2m_retried = True
        answer = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        return answer

    # httpx: the same, as generator flows.
    def sync_auth_flow(self, request):
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self.token()}"
            yield request

    async def async_auth_flow(self, request):
        token = await self.async_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.invalidate(token)
            request.headers["Authorization"] = f"Bearer {await self.async_token()}"
            yield request

    def _fresh(self) -> str | None:
        token, refresh_at = self._current
        return token if token is not None and self.clock() < refresh_at else None

    def _margin(self, lifetime: float) -> float:
        return self.refresh_margin if self.refresh_margin is not None else min(60.0, lifetime / 10)

    def _fetch(self) -> tuple[str, float]:
        request = urllib.request.Request(
            self.token_url,
            data=urlencode(self._form).encode(),
            headers={"Authorization": self._basic, "Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return self._parse(response.read())
        except urllib.error.HTTPError as error:
            raise TokenError(self._refusal(error)) from None
        except (urllib.error.URLError, OSError) as error:
            raise TokenError(f"Cannot reach the token endpoint {self.token_url}: {error}") from None

    def _parse(self, body: bytes) -> tuple[str, float]:
        try:
            answer = json.loads(body)
        except ValueError:
            raise TokenError("The token endpoint answered something other than JSON.") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError("The token endpoint answered without an access_token.")
        expires_in = answer.get("expires_in", 300)
        return token, float(expires_in) if isinstance(expires_in, (int, float)) else 300.0

    @staticmethod
    def _refusal(error: urllib.error.HTTPError) -> str:
        try:
            answer = json.loads(error.read())
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        code, description = answer.get("error", "no error code"), answer.get("error_description", "")
        return f"The token endpoint refused ({error.code} {code}): {description}".rstrip(": ")


def _resendable(body: Any) -> bool:
    """A body requests can send twice (a file or generator is consumed by the first send)."""
    return body is None or isinstance(body, (bytes, str))

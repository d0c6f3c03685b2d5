"""OAuth 2.0 client credentials as ``auth=`` for requests and httpx.

    auth = ClientCredentialsAuth("https://auth.example.com/oauth/token", CLIENT_ID, CLIENT_SECRET,
                                 scope="orders:read")
    requests.get("https://api.example.com/orders/", auth=auth)
    httpx.get("https://api.example.com/orders/", auth=auth)

The token is fetched on first use, cached, and fetched again shortly before
it expires; threads share one token and one fetch. Only the standard library
is used, so neither requests nor httpx is required.

Exceptions::

    TokenError   the token endpoint refused (its RFC 6749 error code and
                 description are in the message), failed, could not be
                 reached, or answered without a usable access token
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from urllib.parse import quote_plus, urlencode

__all__ = ["ClientCredentialsAuth", "TokenError"]


class TokenError(Exception):
    pass


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class ClientCredentialsAuth:
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
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = threading.Lock()

    def __call__(self, request):
        """Sets ``Authorization: Bearer``; requests and httpx both call auth objects so."""
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def token(self) -> str:
        """The current access token, fetched or refreshed as needed."""
        with self._lock:
            if self._token is None or self.clock() >= self._refresh_at:
                self._token, lifetime = self._fetch()
                self._refresh_at = self.clock() + lifetime - self._margin(lifetime)
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

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

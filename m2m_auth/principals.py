"""What authentication puts on the request: ``request.auth`` and, for keys,
a user-like ``request.user``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuthContext:
    """``request.auth`` for every m2m_auth credential kind.

    ``kind`` is ``api_key``, ``personal_access_token`` or ``oauth_client``;
    ``scopes`` are the effective scopes at the time of this request.
    """

    kind: str
    credential_id: str
    scopes: frozenset[str]
    client_id: str | None = None
    credential: Any = field(default=None, repr=False, compare=False)
    username: str | None = None

    def has_scopes(self, *scopes: str) -> bool:
        return set(scopes) <= self.scopes


class MachinePrincipal:
    """A user-like ``request.user`` for a credential that is not a person.

    Authenticated, never staff, holding no Django permissions. ``pk`` is a
    stable string so that DRF's per-user throttles count each key apart.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    username = ""

    def __init__(self, kind: str, credential_id: str, name: str, client_id: str | None = None) -> None:
        self.kind = kind
        self.credential_id = credential_id
        self.name = name
        self.client_id = client_id
        self.pk = self.id = f"{kind}:{credential_id}"

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MachinePrincipal) and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(self.pk)

    def get_username(self) -> str:
        return ""

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perms: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class TokenUser(MachinePrincipal):
    """``request.user`` for a JWT that acts as a user: built from the claims, no query.

    ``pk`` is the user's primary key as the token states it (a string);
    fetch the user model row yourself when a view needs more than that.
    """

    def __init__(self, user_pk: str, username: str, client_id: str) -> None:
        super().__init__("user", user_pk, username, client_id)
        self.pk = self.id = user_pk
        self.username = username

    def __str__(self) -> str:
        return self.username

    def get_username(self) -> str:
        return self.username

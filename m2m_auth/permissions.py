"""Scope permissions for DRF views, composable with ``&``, ``|`` and ``~``.

A view states what it needs::

    class OrderView(APIView):
        permission_classes = [HasScopes]
        required_scopes = {"GET": ["orders:read"], "POST": ["orders:write"]}

or a permission carries it: ``permission_classes = [require_scopes("orders:read")]``.

When scopes are missing the permission returns False and notes the scopes it
needed on the request; ``m2m_auth.handlers.exception_handler`` then answers
403 with ``WWW-Authenticate: Bearer error="insufficient_scope", scope="..."``.
Returning rather than raising is what keeps ``|`` and ``~`` working.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from rest_framework.permissions import BasePermission

from .principals import AuthContext
from .rbac import user_scopes

logger = logging.getLogger("m2m_auth.permissions")


def granted_scopes(request) -> frozenset[str]:
    """The scopes the request's credential holds; a session user's role scopes."""
    if isinstance(request.auth, AuthContext):
        return request.auth.scopes
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and request.auth is None:
        return frozenset(user_scopes(user))
    return frozenset()


def declared_scopes(view, method: str) -> list[str] | None:
    """The scopes a view declares for a method; None when it declares none."""
    declared = getattr(view, "required_scopes", None)
    if isinstance(declared, Mapping):
        declared = declared.get(method, declared.get("GET") if method == "HEAD" else None)
    if declared is None or isinstance(declared, str):
        return [declared] if isinstance(declared, str) else None
    return list(declared)


class HasScopes(BasePermission):
    """Allows an authenticated request whose credential holds every required scope.

    A view that declares no scopes for the method is refused: fail closed.
    An empty declaration (``required_scopes = []``) asks only for a credential.
    """

    scopes: tuple[str, ...] | None = None

    def required(self, request, view) -> list[str] | None:
        return self.required_for(view, request.method)

    def required_for(self, view, method: str) -> list[str] | None:
        """The scopes a method of the view needs; None when nothing is declared."""
        if self.scopes is not None:
            return list(self.scopes)
        return declared_scopes(view, method)

    def has_permission(self, request, view) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False
        required = self.required(request, view)
        if required is None:
            logger.warning("%s declares no required_scopes for %s; refused", type(view).__name__, request.method)
            return False
        if set(required) <= granted_scopes(request):
            return True
        request.m2m_required_scopes = sorted(set(required))
        return False


def require_scopes(*scopes: str) -> type[HasScopes]:
    """A ``HasScopes`` class that needs exactly these scopes, whatever the view says."""
    return type("RequireScopes", (HasScopes,), {"scopes": tuple(scopes)})


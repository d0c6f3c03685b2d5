"""What a 401 tells the client: the ``WWW-Authenticate`` challenge, and a hint
when the request used an authorization scheme this site does not accept.

Clients coming from knox or drf-api-key send ``Authorization: Token ...`` or
``Api-Key ...``; no authentication class claims those, so DRF would answer only
"credentials were not provided". The hint names the forms the view's
authentication classes do accept; it echoes the scheme's name, never the token.
"""

from __future__ import annotations

import re

BEARER_FORM = "Authorization: Bearer <token>"
# An RFC 9110 token: safe to echo inside a quoted string.
_SCHEME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}")


def accepted_forms(request) -> list[str]:
    """How the view's m2m_auth classes take a credential, e.g. ``X-API-Key: <key>``."""
    forms = [form for authenticator in getattr(request, "authenticators", None) or ()
             for form in getattr(authenticator, "accepted_forms", list)()]
    return list(dict.fromkeys(forms)) or [BEARER_FORM]


def foreign_scheme(request) -> str | None:
    """The scheme of an ``Authorization`` header other than Bearer, if there is one."""
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    if not header:
        return None
    scheme = header.split(None, 1)[0]
    if scheme.lower() == "bearer":
        return None
    return f"'{scheme}'" if _SCHEME.fullmatch(scheme) else "used"


def scheme_hint(request) -> str | None:
    """A sentence saying which header to send instead, or None when the scheme was Bearer."""
    scheme = foreign_scheme(request)
    if scheme is None:
        return None
    return f"The authorization scheme {scheme} is not accepted here; send {' or '.join(accepted_forms(request))}."


def challenge(request, realm: str, rejected: bool) -> str:
    """The ``WWW-Authenticate`` value of a 401 (RFC 6750 section 3)."""
    if rejected:
        return f'Bearer realm="{realm}", error="invalid_token"'
    hint = scheme_hint(request)
    if hint:
        return f'Bearer realm="{realm}", error="invalid_request", error_description="{hint}"'
    return f'Bearer realm="{realm}"'

"""Registering an application with every way it may authenticate, in one step.

The admin's add form and ``m2m app create`` both call this, so both refuse an
application that could not authenticate at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .. import issuing
from ..exceptions import InvalidInput
from ..models import Application
from . import clients, grants


@transaction.atomic
def register_application(
    name: str, *, roles: Iterable[str] = (), with_secret: bool = True, jwks: dict | None = None,
    tls_subject_dn: str | None = None, tls_san: str | None = None, certificates: Iterable[bytes] = (),
    actor: str = "", address: str | None = None,
) -> tuple[Application, str | None]:
    """A new application (and its first secret unless ``with_secret`` is false), its keys and certificates."""
    certificates = list(certificates)
    has_tls = bool(tls_subject_dn or tls_san or certificates)
    if not with_secret and not (jwks or has_tls):
        raise InvalidInput("Without a client secret the application needs a JWKS or a TLS subject, SAN or "
                           "certificate: it must authenticate somehow.")
    application, secret = issuing.create_application(name, roles=roles, with_secret=with_secret, actor=actor,
                                                     address=address)
    if jwks:
        clients.register_jwks(application, jwks, actor=actor)
    if has_tls:
        clients.register_tls(application, subject_dn=tls_subject_dn, san=tls_san, certificates=certificates,
                             actor=actor)
    return application, secret


def scopeless_warning(application: Application) -> str | None:
    """Why the token endpoint would refuse every request of this application, or None.

    Not an error: scripts register the application first and give it roles after.
    """
    if grants.held_by_application(application):
        return None
    return f"{application.name!r} has no role that gives it a scope, so the token endpoint will refuse it"

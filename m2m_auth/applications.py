"""Changing a registered application: its machine roles, description and whether it may authenticate.

Registration (``issuing.create_application``), secrets and keys
(``oauth/clients.py``) and disabling with revocation (``revoking``) live
beside it; this is the one way to edit what those leave editable.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from . import audit
from .exceptions import InvalidInput
from .models import Application, Role
from .rbac import resolve_roles

MAX_DESCRIPTION = 200


@transaction.atomic
def update_application(
    application: Application, *, add_roles: Iterable[str] = (), remove_roles: Iterable[str] = (),
    description: str | None = None, active: bool | None = None, actor: str = "", address: str | None = None,
) -> list[str]:
    """Apply the changes asked for; returns the names of the fields that changed.

    Making an application inactive suspends it (its secrets and keys stop
    working, and work again when it is made active); ``revoking.disable_application``
    revokes them for good.
    """
    added, removed = resolve_roles(add_roles, Role.Kind.MACHINE), resolve_roles(remove_roles, Role.Kind.MACHINE)
    both = sorted(role.name for role in set(added) & set(removed))
    if both:
        raise InvalidInput(f"Role {', '.join(both)} is both added and removed.")
    changed = _set_roles(application, added, removed)
    if description is not None and _description(description) != application.description:
        application.description = _description(description)
        changed.append("description")
    if active is not None and active != application.is_active:
        application.is_active, application.disabled_at = active, None if active else timezone.now()
        changed += ["is_active", "disabled_at"]
    if changed:
        application.save(update_fields=[name for name in changed if name != "roles"])
        audit.record("update", application, actor=actor, address=address, changed=changed,
                     added_roles=sorted(r.name for r in added), removed_roles=sorted(r.name for r in removed))
    return changed


def _set_roles(application: Application, added: list[Role], removed: list[Role]) -> list[str]:
    current = set(application.roles.all())
    wanted = (current | set(added)) - set(removed)
    if wanted == current:
        return []
    application.roles.set(wanted)
    return ["roles"]


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidInput(f"Invalid description: at most {MAX_DESCRIPTION} characters on one line.")
    return text

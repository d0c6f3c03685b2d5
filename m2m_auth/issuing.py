"""The one way to create each credential; the plaintext is returned once.

The admin, the ``m2m`` command and the self-service pages all call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import audit, crypto
from .app_settings import app_settings
from .durations import describe
from .exceptions import Conflict, InvalidInput, NotPermitted
from .models import ApiKey, Application, ClientSecret, PersonalAccessToken, Role
from .models.names import normalize_name
from .rbac import resolve_roles, resolve_scopes, scopes_not_held


def expiry_after(lifetime: timedelta | None) -> timezone.datetime | None:
    if lifetime is None:
        return None
    if lifetime <= timedelta(0):
        raise InvalidInput("The lifetime must be positive.")
    return timezone.now() + lifetime


@transaction.atomic
def create_api_key(
    name: str,
    *,
    scopes: Iterable[str] = (),
    roles: Iterable[str] = (),
    expires_in: timedelta | None = None,
    application: Application | None = None,
    actor: str = "",
    address: str | None = None,
) -> tuple[ApiKey, str]:
    name = normalize_name(name)
    if ApiKey.objects.current().filter(name=name).exists():
        raise Conflict(f"An API key named {name!r} already exists.")
    permissions, machine_roles = resolve_scopes(scopes), resolve_roles(roles, Role.Kind.MACHINE)
    if expires_in is None and app_settings.API_KEY_DEFAULT_LIFETIME:
        expires_in = timedelta(seconds=app_settings.API_KEY_DEFAULT_LIFETIME)
    key, plaintext = ApiKey.objects.create_with_secret(
        name=name, application=application, expires_at=expiry_after(expires_in), created_by=actor
    )
    key.scopes.set(permissions)
    key.roles.set(machine_roles)
    audit.record("create", key, actor=actor, address=address, name=name)
    return key, plaintext


@transaction.atomic
def roll_api_key(
    api_key: ApiKey, *, overlap: timedelta | None = None, actor: str = "", address: str | None = None
) -> tuple[ApiKey, str]:
    """A new key with the old one's name, scopes, roles and owner; the old one works ``overlap`` longer.

    The old key's expiry is only ever brought forward. The new key lives as long
    as the old one was meant to (creation to expiry), else the default lifetime.
    """
    old = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if old.is_revoked or old.rolled_at is not None:
        raise NotPermitted(f"API key {old.public_id} is {old.status}; roll the key that replaced it, if any.")
    if overlap is None:
        overlap = timedelta(seconds=app_settings.API_KEY_ROLL_OVERLAP)
    if overlap < timedelta(0):
        raise InvalidInput("The overlap cannot be negative.")
    now = timezone.now()
    cut = min(old.expires_at, now + overlap) if old.expires_at else now + overlap
    ApiKey.objects.filter(pk=old.pk).update(rolled_at=now, expires_at=cut)
    new, plaintext = ApiKey.objects.create_with_secret(
        name=old.name, application=old.application, rolled_from=old, created_by=actor,
        expires_at=expiry_after(_lifetime(old)),
    )
    new.scopes.set(old.scopes.all())
    new.roles.set(old.roles.all())
    audit.record("rotate", old, actor=actor, address=address, new_key=new.public_id, old_key_expires_at=cut.isoformat())
    audit.record("create", new, actor=actor, address=address, name=new.name, rolled_from=old.public_id)
    api_key.refresh_from_db()
    return new, plaintext


def _lifetime(key: ApiKey) -> timedelta | None:
    if key.expires_at is not None:
        return max(key.expires_at - key.created_at, timedelta(seconds=1))
    seconds = app_settings.API_KEY_DEFAULT_LIFETIME
    return timedelta(seconds=seconds) if seconds else None


@transaction.atomic
def create_personal_access_token(
    user,
    name: str,
    *,
    scopes: Iterable[str] = (),
    expires_in: timedelta | None = None,
    actor: str = "",
    address: str | None = None,
) -> tuple[PersonalAccessToken, str]:
    name = normalize_name(name)
    if not user.is_active:
        raise NotPermitted(f"User {user.get_username()!r} is inactive.")
    permissions = resolve_scopes(scopes)
    not_held = scopes_not_held(user, [p.scope for p in permissions])
    if not_held:
        raise NotPermitted(f"User {user.get_username()!r} does not hold scope: {', '.join(not_held)}.")
    lifetime = expires_in or timedelta(seconds=app_settings.PAT_DEFAULT_LIFETIME)
    if lifetime > timedelta(seconds=app_settings.PAT_MAX_LIFETIME):
        raise NotPermitted(f"A personal access token may live at most {describe(app_settings.PAT_MAX_LIFETIME)}.")
    if PersonalAccessToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise Conflict(f"User {user.get_username()!r} already has a token named {name!r}.")
    token, plaintext = PersonalAccessToken.objects.create_with_secret(
        user=user, name=name, expires_at=expiry_after(lifetime), created_by=actor
    )
    token.scopes.set(permissions)
    audit.record("create", token, actor=actor, address=address, name=name, user=user.get_username())
    return token, plaintext


def add_client_secret(
    application: Application, *, expires_in: timedelta | None = None, actor: str = "", address: str | None = None
) -> tuple[ClientSecret, str]:
    client_secret, plaintext = ClientSecret.objects.create_with_secret(
        application=application, expires_at=expiry_after(expires_in), created_by=actor
    )
    audit.record("create", client_secret, actor=actor, address=address, client_id=application.client_id)
    return client_secret, plaintext


def client_secret_lifetime() -> timedelta | None:
    seconds = app_settings.CLIENT_SECRET_LIFETIME
    return timedelta(seconds=seconds) if seconds else None


@transaction.atomic
def create_application(
    name: str, *, roles: Iterable[str] = (), with_secret: bool = True, actor: str = "", address: str | None = None
) -> tuple[Application, str | None]:
    """A new M2M application and its first client secret (plaintext, once).

    ``with_secret=False`` leaves it none, for a client that authenticates only
    by certificate or signed assertion: no secret can leak and skip the binding.
    """
    name = normalize_name(name)
    if Application.objects.filter(name=name).exists():
        raise Conflict(f"An application named {name!r} already exists.")
    machine_roles = resolve_roles(roles, Role.Kind.MACHINE)
    application = Application.objects.create(name=name, client_id=crypto.generate_client_id(), created_by=actor)
    application.roles.set(machine_roles)
    audit.record("create", application, actor=actor, address=address, name=name)
    if not with_secret:
        return application, None
    _, plaintext = add_client_secret(application, expires_in=client_secret_lifetime(), actor=actor, address=address)
    return application, plaintext

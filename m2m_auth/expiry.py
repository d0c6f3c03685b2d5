"""Credentials about to expire: listed, announced once, mailed to whoever answers for them.

"Expiring" means active now and expiring within a window. Keys already
rolled and client secrets already replaced by a newer one are left out of
the warnings: they expire by design, their successor is in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, Model, OuterRef
from django.utils import timezone

from .models import ApiKey, Application, ClientSecret, PersonalAccessToken

CERTIFICATE = "certificate"


@dataclass(frozen=True)
class Expiring:
    kind: str  # api_key, personal_access_token, client_secret or certificate
    target_id: str  # the public id, or a certificate's x5t#S256 thumbprint
    name: str
    expires_at: datetime
    credential: Model  # the key, token or client secret; the application for a certificate


def expiring(within: timedelta) -> list[Expiring]:
    """Everything that needs a successor within ``within``, soonest first."""
    found = [*_keys(within), *_tokens(within), *_client_secrets(within), *expiring_certificates(within)]
    return sorted(found, key=lambda item: (item.expires_at, item.kind, item.target_id))


def _keys(within: timedelta) -> list[Expiring]:
    keys = ApiKey.objects.expiring(within).filter(rolled_at__isnull=True).select_related("application")
    return [Expiring(key.object_kind, key.public_id, key.name, key.expires_at, key) for key in keys]


def _tokens(within: timedelta) -> list[Expiring]:
    tokens = PersonalAccessToken.objects.expiring(within).select_related("user")
    return [Expiring(token.object_kind, token.public_id, f"{token.user.get_username()}/{token.name}",
                     token.expires_at, token) for token in tokens]


def _client_secrets(within: timedelta) -> list[Expiring]:
    newer = ClientSecret.objects.active().filter(application=OuterRef("application"),
                                                 created_at__gt=OuterRef("created_at"))
    secrets = (ClientSecret.objects.expiring(within).filter(application__is_active=True).exclude(Exists(newer))
               .select_related("application"))
    return [Expiring(secret.object_kind, secret.public_id, secret.application.name, secret.expires_at, secret)
            for secret in secrets]


def expiring_certificates(within: timedelta) -> list[Expiring]:
    """Registered self-signed certificates whose notAfter is known (registered from their PEM)."""
    now = timezone.now()
    found = []
    for application in Application.objects.filter(is_active=True).exclude(tls_certificate_expiry={}):
        for thumbprint in application.tls_certificate_thumbprints or []:
            not_after = certificate_expiry(application, thumbprint)
            if not_after is not None and now < not_after <= now + within:
                found.append(Expiring(CERTIFICATE, thumbprint, application.name, not_after, application))
    return found


def certificate_expiry(application: Application, thumbprint: str) -> datetime | None:
    value = (application.tls_certificate_expiry or {}).get(thumbprint)
    return datetime.fromisoformat(value) if value else None

from .api_keys import ApiKey
from .applications import Application, ClientSecret
from .audit import AuditEvent
from .notices import ExpiryNotice
from .rbac import ApiResource, Permission, Role, RoleAssignment
from .revocation_events import RevocationEvent
from .revocations import RevokedToken
from .signing_keys import SigningKey
from .tokens import PersonalAccessToken

# Every model that stores a secret, each knowing its kind and prefix.
SECRET_MODELS = (ApiKey, PersonalAccessToken, ClientSecret)


def secret_model(kind: str) -> type[ApiKey | PersonalAccessToken | ClientSecret]:
    for model in SECRET_MODELS:
        if model.object_kind == kind:
            return model
    raise LookupError(f"No secret credential of kind {kind!r}.")


__all__ = [
    "SECRET_MODELS",
    "secret_model",
    "ApiKey",
    "ApiResource",
    "Application",
    "AuditEvent",
    "ClientSecret",
    "ExpiryNotice",
    "Permission",
    "PersonalAccessToken",
    "RevocationEvent",
    "RevokedToken",
    "SigningKey",
    "Role",
    "RoleAssignment",
]

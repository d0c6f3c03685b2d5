from .api_keys import ApiKey
from .applications import Application, ClientSecret
from .audit import AuditEvent
from .rbac import ApiResource, Permission, Role, RoleAssignment
from .revocation_events import RevocationEvent
from .revocations import RevokedToken
from .signing_keys import SigningKey
from .tokens import PersonalAccessToken
from .usage import CredentialUsage

__all__ = [
    "ApiKey",
    "ApiResource",
    "Application",
    "AuditEvent",
    "ClientSecret",
    "CredentialUsage",
    "Permission",
    "PersonalAccessToken",
    "RevocationEvent",
    "RevokedToken",
    "SigningKey",
    "Role",
    "RoleAssignment",
]

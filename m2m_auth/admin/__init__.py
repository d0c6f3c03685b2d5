"""The Django admin as a safety tool.

Secrets appear once, on the page that issues them, and never again: rows show
a masked value built from the public id; revoked rows are read-only; revoking,
rotating and disabling are actions guarded by the change permission; the
audit log cannot be edited.
"""

from . import credentials, rbac  # noqa: F401  (registers the model admins)
from .toolkit import hide_oauth_toolkit_models

__all__ = ["hide_oauth_toolkit_models"]

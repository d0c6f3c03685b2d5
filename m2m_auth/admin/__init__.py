"""The Django admin as a safety tool.

Secrets appear once, on the page that issues them, and never again: rows show
a masked value built from the public id; revoked rows are read-only; revoking,
rolling, rotating and disabling are buttons (and bulk actions) with a confirm
step, guarded by the change permission; the audit log cannot be edited.
"""

from . import applications, credentials, rbac, signing_keys  # noqa: F401  (registers the model admins)
from .toolkit import hide_oauth_toolkit_models

__all__ = ["hide_oauth_toolkit_models"]

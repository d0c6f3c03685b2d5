"""Signals m2m_auth sends.

``credential_expiring``: a credential entered its warning window
(``EXPIRY_WARNING_WINDOW``). Sent once per credential and expiry date by
``m2m notify-expiring`` (cron), never on the request path. ``sender`` is the
model (``ApiKey``, ``PersonalAccessToken``, ``ClientSecret``, or
``Application`` for a registered certificate); ``expiring`` is an
``m2m_auth.expiry.Expiring`` (kind, target_id, name, expires_at, credential).
"""

from django.dispatch import Signal

credential_expiring = Signal()

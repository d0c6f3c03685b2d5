"""``m2m notify-expiring``: announce credentials entering their warning window, once each.

Each announcement is recorded (``ExpiryNotice``: kind, id, expiry date) in
the same transaction as the signal and the e-mail, so a second run, or two
cron jobs at once, announce nothing twice, and a mail that could not be sent
is tried again on the next run.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from .app_settings import app_settings
from .expiry import Expiring, expiring
from .models import Application, ExpiryNotice, PersonalAccessToken
from .signals import credential_expiring

logger = logging.getLogger("m2m_auth.notify")

NEXT_STEP = {
    "api_key": "Roll it: python manage.py m2m apikey roll {target_id}",
    "personal_access_token": "Create a new token and revoke this one when it is in use.",
    "client_secret": "Rotate it: python manage.py m2m app rotate-secret {client_id}",
    "certificate": "Register the renewed certificate: "
                   "python manage.py m2m app register-cert {client_id} --tls-cert FILE",
}


@dataclass
class Report:
    announced: list[Expiring] = field(default_factory=list)
    failed: list[Expiring] = field(default_factory=list)


def notify_expiring() -> Report:
    report = Report()
    for item in expiring(timedelta(seconds=app_settings.EXPIRY_WARNING_WINDOW)):
        try:
            with transaction.atomic():
                ExpiryNotice.objects.create(kind=item.kind, target_id=item.target_id, expires_at=item.expires_at)
                announce(item)
        except IntegrityError:
            continue  # announced before, for this expiry date
        except (OSError, smtplib.SMTPException) as error:
            logger.error("could not mail the expiry warning of %s %s: %s", item.kind, item.target_id, error)
            report.failed.append(item)
        else:
            report.announced.append(item)
    return report


def announce(item: Expiring) -> None:
    credential_expiring.send(sender=type(item.credential), expiring=item)
    recipients = recipients_of(item) if app_settings.EXPIRY_WARNING_EMAIL else []
    if recipients:
        send_mail(subject(item), body(item), None, recipients)


def label(item: Expiring) -> str:
    return "client certificate" if isinstance(item.credential, Application) else str(item.credential._meta.verbose_name)


def subject(item: Expiring) -> str:
    return f"{label(item)} {item.name!r} expires on {item.expires_at:%Y-%m-%d %H:%M} UTC"


def body(item: Expiring) -> str:
    application = application_of(item.credential)
    step = NEXT_STEP[item.kind].format(target_id=item.target_id, client_id=application.client_id if application else "")
    return (f"The {label(item)} {item.name!r} (id {item.target_id}) expires at "
            f"{item.expires_at.isoformat()}.\n\n{step}\n")


def application_of(credential) -> Application | None:
    if isinstance(credential, Application):
        return credential
    return getattr(credential, "application", None)


def recipients_of(item: Expiring) -> list[str]:
    """The token's user; else whoever created the owning application or the credential; else the setting."""
    credential = item.credential
    if isinstance(credential, PersonalAccessToken):
        emails = [credential.user.email]
    else:
        owner = application_of(credential)
        emails = [email_of(actor) for actor in (owner.created_by if owner else "", credential.created_by)]
    found = [email for email in emails if email][:1]
    return found or list(app_settings.EXPIRY_WARNING_RECIPIENTS)


def email_of(actor: str) -> str | None:
    """The e-mail address of the user behind ``admin:alice`` or ``self:alice``; None for ``cli``."""
    if ":" not in actor:
        return None
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: actor.partition(":")[2]}).first()
    if user is None:
        return None
    return getattr(user, User.get_email_field_name(), "") or None


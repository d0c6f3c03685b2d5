"""Expiring credentials: querysets, the warning list, and ``notify-expiring`` announcing each once."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.conf import settings
from django.test.utils import override_settings

from m2m_auth import expiry, issuing, notify
from m2m_auth.models import ApiKey, ClientSecret, ExpiryNotice, PersonalAccessToken
from m2m_auth.oauth import clients
from m2m_auth.signals import credential_expiring

from .certs import self_signed

pytestmark = pytest.mark.django_db

WEEK = timedelta(days=7)
MAIL_TO_OPS = {**settings.M2M_AUTH, "EXPIRY_WARNING_EMAIL": True, "EXPIRY_WARNING_RECIPIENTS": ["ops@example.com"]}


@pytest.fixture
def announced():
    received = []

    def receiver(sender, expiring, **kwargs):
        received.append((sender, expiring.kind, expiring.target_id))

    credential_expiring.connect(receiver)
    yield received
    credential_expiring.disconnect(receiver)


@pytest.mark.parametrize("model", [ApiKey, PersonalAccessToken, ClientSecret])
def test_expiring_querysets_hold_active_credentials_due_within_the_window(model, make_api_key, make_pat):
    soon = {"expires_in": timedelta(days=3)}
    if model is ClientSecret:
        app, _ = issuing.create_application("secret-holder")
        due = issuing.add_client_secret(app, **soon)[0]
        later = issuing.add_client_secret(app, expires_in=timedelta(days=30))[0]
    else:
        make = make_api_key if model is ApiKey else make_pat
        due, later = make(**soon)[0], make(expires_in=timedelta(days=30))[0]
    assert list(model.objects.expiring(WEEK)) == [due]
    assert set(model.objects.expiring(timedelta(days=31))) == {due, later}


def test_the_warning_list_covers_every_kind_soonest_first(make_api_key, make_pat):
    key, _ = make_api_key(expires_in=timedelta(days=3))
    token, _ = make_pat(expires_in=timedelta(days=2))
    app, _ = issuing.create_application("app-with-secret")
    secret, _ = issuing.add_client_secret(app, expires_in=timedelta(days=4))
    certificate = self_signed("expiring-client")  # valid for two days
    clients.register_tls(app, certificates=[certificate.pem])
    listed = [(item.kind, item.target_id) for item in expiry.expiring(WEEK)]
    assert set(listed) == {("api_key", key.public_id), ("personal_access_token", token.public_id),
                           ("client_secret", secret.public_id), ("certificate", app.tls_certificate_thumbprints[0])}
    assert [item.expires_at for item in expiry.expiring(WEEK)] == sorted(item.expires_at for item in expiry.expiring(WEEK))


def test_rolled_keys_and_replaced_secrets_are_not_warned_about(make_api_key):
    key, _ = make_api_key(expires_in=timedelta(days=30))
    new, _ = issuing.roll_api_key(key, overlap=timedelta(days=1))
    app, _ = issuing.create_application("rotating-app")
    clients.rotate_client_secret(app)
    assert ApiKey.objects.expiring(WEEK).filter(pk=key.pk).exists()  # the list shows it
    assert [item.target_id for item in expiry.expiring(WEEK)] == []


def test_notify_announces_each_credential_once_per_expiry_date(announced, make_api_key):
    key, _ = make_api_key(expires_in=timedelta(days=3))
    make_api_key(expires_in=timedelta(days=30))
    assert [item.target_id for item in notify.notify_expiring().announced] == [key.public_id]
    assert notify.notify_expiring().announced == []
    assert announced == [(ApiKey, "api_key", key.public_id)]
    ApiKey.objects.filter(pk=key.pk).update(expires_at=key.expires_at - timedelta(days=1))
    assert len(notify.notify_expiring().announced) == 1
    assert ExpiryNotice.objects.filter(target_id=key.public_id).count() == 2


@override_settings(M2M_AUTH=MAIL_TO_OPS)
def test_the_mail_goes_to_the_tokens_user_or_the_creator_or_the_fallback(make_pat, make_user, make_api_key):
    owner = make_user(scopes=["orders:read"], email="owner@example.com")
    token, token_plaintext = make_pat(user=owner, expires_in=timedelta(days=3))
    creator = make_user(email="creator@example.com")
    by_admin, key_plaintext = make_api_key(expires_in=timedelta(days=3), actor=f"admin:{creator.username}")
    by_cli, _ = make_api_key(expires_in=timedelta(days=3), actor="cli")
    notify.notify_expiring()
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"owner@example.com", "creator@example.com", "ops@example.com"} and len(mail.outbox) == 3
    assert by_admin.name in sent["creator@example.com"].subject and "apikey roll" in sent["creator@example.com"].body
    assert by_cli.public_id in sent["ops@example.com"].body
    everything = "".join(message.subject + message.body for message in mail.outbox)
    assert token_plaintext not in everything and key_plaintext not in everything
    notify.notify_expiring()
    assert len(mail.outbox) == 3


@override_settings(M2M_AUTH=MAIL_TO_OPS)
def test_a_mail_that_fails_is_tried_again_on_the_next_run(monkeypatch, make_api_key):
    make_api_key(expires_in=timedelta(days=3))

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(notify, "send_mail", refuse)
    assert len(notify.notify_expiring().failed) == 1 and not ExpiryNotice.objects.exists()
    monkeypatch.undo()
    assert len(notify.notify_expiring().announced) == 1 and len(mail.outbox) == 1


@override_settings(M2M_AUTH={**settings.M2M_AUTH, "EXPIRY_WARNING_WINDOW": 3600})
def test_the_window_is_a_setting(make_api_key):
    make_api_key(expires_in=timedelta(days=3))
    assert notify.notify_expiring().announced == []

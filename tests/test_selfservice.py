"""Self-service pages: a user's own tokens, created once-shown, revoked at once."""

import re
from datetime import timedelta

import pytest

from m2m_auth import issuing
from m2m_auth.models import AuditEvent, PersonalAccessToken

pytestmark = pytest.mark.django_db
URL = "/account/tokens/"


@pytest.fixture
def alice(client, make_user):
    user = make_user(scopes=["orders:read"])
    client.force_login(user)
    return user


def created_token(response) -> str:
    return re.search(r'value="(m2m_pat_[^"]+)"', response.content.decode()).group(1)


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_lists_only_my_tokens_and_offers_only_my_scopes(client, alice, make_pat):
    mine, _ = issuing.create_personal_access_token(alice, "mine", scopes=["orders:read"])
    theirs, _ = make_pat(name="theirs")
    html = client.get(URL).content.decode()
    assert "mine" in html and "theirs" not in html
    assert 'value="orders:read"' in html and 'value="orders:write"' not in html
    assert 'for="id_name"' in html and "<legend>" in html and "csrfmiddlewaretoken" in html


def test_create_shows_the_token_once_and_it_works(client, alice, api_client):
    response = client.post(URL, {"name": "laptop", "scopes": ["orders:read"], "lifetime": "7"})
    assert response.status_code == 201
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    token = created_token(response)
    assert "shown this once" in response.content.decode()
    assert token not in client.get(URL).content.decode()
    whoami = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert whoami["username"] == alice.username and whoami["scopes"] == ["orders:read"]


@pytest.mark.parametrize(
    "form, message",
    [
        ({"name": "", "lifetime": "7"}, "This field is required"),
        ({"name": "x", "scopes": ["orders:write"], "lifetime": "7"}, "not one of the available choices"),
        ({"name": "x", "lifetime": "9999"}, "not one of the available choices"),
        ({"name": "x", "lifetime": "abc"}, "not one of the available choices"),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(client, alice, form, message):
    response = client.post(URL, form)
    assert response.status_code == 400 and message in response.content.decode()
    assert not PersonalAccessToken.objects.filter(user=alice).exists()


def test_a_duplicate_name_is_a_form_error(client, alice):
    client.post(URL, {"name": "dup", "lifetime": "7"})
    response = client.post(URL, {"name": "dup", "lifetime": "7"})
    assert response.status_code == 400 and "already has a token named" in response.content.decode()


def test_lifetimes_stop_at_the_maximum(client, alice, settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "PAT_MAX_LIFETIME": 30 * 86400}
    html = client.get(URL).content.decode()
    assert 'value="30"' in html and 'value="60"' not in html


def test_revoke_my_token(client, alice, api_client):
    token, plaintext = issuing.create_personal_access_token(alice, "old", scopes=["orders:read"])
    response = client.post(f"{URL}{token.public_id}/revoke/", follow=True)
    assert "stops working at once" in response.content.decode()
    assert api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401
    assert AuditEvent.objects.filter(action="revoke", target_id=token.public_id, actor=f"self:{alice.username}").exists()


def test_i_cannot_revoke_someone_elses_token(client, alice, make_pat):
    theirs, _ = make_pat()
    assert client.post(f"{URL}{theirs.public_id}/revoke/").status_code == 404
    assert not PersonalAccessToken.objects.get(pk=theirs.pk).is_revoked


def test_revoke_needs_post_and_csrf(client, alice, make_pat):
    from django.test import Client

    token, _ = issuing.create_personal_access_token(alice, "t", scopes=["orders:read"])
    assert client.get(f"{URL}{token.public_id}/revoke/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"{URL}{token.public_id}/revoke/").status_code == 403
    assert strict.post(URL, {"name": "x", "lifetime": "7"}).status_code == 403


def test_fallback_base_template(client, alice, settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "BASE_TEMPLATE": "no-such-template.html"}
    assert client.get(URL).status_code == 200


def test_tokens_about_to_expire_are_announced_with_their_dates(client, alice):
    due, _ = issuing.create_personal_access_token(alice, "due-soon", expires_in=timedelta(days=3))
    issuing.create_personal_access_token(alice, "far-off", expires_in=timedelta(days=60))
    html = re.sub(r"\s+", " ", client.get(URL).content.decode())
    warning = re.search(r'<div class="m2m-warning" role="status">(.*?)</div>', html).group(1)
    assert "A token expires soon." in warning and "“due-soon” expires in 2 days" in warning
    assert due.expires_at.strftime("%Y-%m-%d") in warning and "far-off" not in warning
    assert html.count('class="m2m-expiring-soon"') == 1


def test_no_warning_when_nothing_expires_soon(client, alice):
    issuing.create_personal_access_token(alice, "far-off", expires_in=timedelta(days=60))
    assert "expires soon" not in client.get(URL).content.decode()

"""Helpers shared by the OAuth tests."""

import base64
from urllib.parse import quote_plus

import jwt

TOKEN_URL = "/oauth/token"
ISSUER = "http://testserver"
DEMO_AUDIENCE = "https://api.demo.local"


def basic(client_id: str, secret: str) -> dict:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def request_token(client, app, secret, **form):
    return client.post(TOKEN_URL, {"grant_type": "client_credentials", **form}, **basic(app.client_id, secret))


def unverified(token: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})

"""The remote issuer's keys: discovery, bounded refetch, last good keys kept."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from m2m_auth.oauth.remote_keys import RemoteKeySource, metadata_url, remote_key_source


class Issuer:
    """A local issuer serving metadata and a JWKS, counting JWKS fetches."""

    def __init__(self):
        self.keys, self.fetches, self.status, self.issuer_override = {}, 0, 200, None
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = issuer.answer(self.path)
                self.send_response(issuer.status if body is not None else 404)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path):
        if path == "/.well-known/oauth-authorization-server":
            return json.dumps({"issuer": self.issuer_override or self.url, "jwks_uri": f"{self.url}/jwks"}).encode()
        if path == "/jwks":
            self.fetches += 1
            return json.dumps({"keys": list(self.keys.values())}).encode()
        return None

    def add_key(self, kid, kind="rsa", use="sig"):
        if kind == "rsa":
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public, alg = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "RS256"
        else:
            private = ec.generate_private_key(ec.SECP256R1())
            public, alg = ECAlgorithm.to_jwk(private.public_key(), as_dict=True), "ES256"
        self.keys[kid] = {**public, "kid": kid, "alg": alg, "use": use}
        return private, alg


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def issuer():
    server = Issuer()
    yield server
    server.server.shutdown()


@pytest.fixture
def clock():
    return Clock()


def source(issuer, clock, **kwargs):
    return RemoteKeySource(issuer.url, clock=clock, **kwargs)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_a_known_kid_verifies_a_token(issuer, clock, kind):
    private, alg = issuer.add_key("k1", kind)
    key = source(issuer, clock).key("k1")
    token = jwt.encode({"sub": "x"}, private, algorithm=alg, headers={"kid": "k1"})
    assert jwt.decode(token, key.key, algorithms=[alg])["sub"] == "x"


def test_unknown_kid_refetches_once_and_finds_a_rotated_key(issuer, clock):
    issuer.add_key("old")
    keys = source(issuer, clock)
    assert keys.key("old") is not None
    issuer.add_key("new")
    clock.now += 61
    assert keys.key("new") is not None
    assert issuer.fetches == 2


def test_a_flood_of_unknown_kids_is_one_fetch_per_interval(issuer, clock):
    issuer.add_key("k1")
    keys = source(issuer, clock)
    keys.key("k1")
    for number in range(100):
        assert keys.key(f"made-up-{number}") is None
    assert issuer.fetches == 1
    clock.now += 61
    keys.key("another-made-up")
    assert issuer.fetches == 2


def test_an_empty_key_set_is_fetched_again_within_seconds_not_a_minute(issuer, clock):
    keys = source(issuer, clock)
    assert keys.key("k1") is None
    issuer.add_key("k1")
    clock.now += 0.5
    assert keys.key("k1") is None and issuer.fetches == 1
    clock.now += 1
    assert keys.key("k1") is not None and issuer.fetches == 2


def test_failures_keep_the_last_good_keys(issuer, clock):
    issuer.add_key("k1")
    keys = source(issuer, clock, max_age=10)
    assert keys.key("k1") is not None
    issuer.status = 500
    clock.now += 100
    assert keys.key("k1") is not None
    issuer.server.shutdown()
    issuer.server.server_close()
    clock.now += 100
    assert keys.key("k1") is not None


def test_max_age_causes_a_refetch(issuer, clock):
    issuer.add_key("k1")
    keys = source(issuer, clock, max_age=300)
    keys.key("k1")
    clock.now += 301
    keys.key("k1")
    assert issuer.fetches == 2


def test_an_issuer_mix_up_yields_no_keys(issuer, clock):
    issuer.add_key("k1")
    issuer.issuer_override = "https://someone-else.example"
    assert source(issuer, clock).key("k1") is None


def test_encryption_keys_and_keys_without_kid_are_skipped(issuer, clock):
    issuer.add_key("enc", use="enc")
    issuer.add_key("nokid")
    del issuer.keys["nokid"]["kid"]
    issuer.add_key("good")
    keys = source(issuer, clock)
    assert keys.key("good") is not None
    assert keys.key("enc") is None and keys.key("nokid") is None


def fake_fetch(documents):
    def fetch(url, timeout):
        return documents[url]
    return fetch


def test_plain_http_jwks_is_refused_for_a_non_loopback_issuer():
    documents = {
        "https://auth.example.com/.well-known/oauth-authorization-server":
            (200, json.dumps({"issuer": "https://auth.example.com", "jwks_uri": "http://auth.example.com/jwks"}).encode()),
        "http://auth.example.com/jwks": (200, b'{"keys": []}'),
    }
    keys = RemoteKeySource("https://auth.example.com", fetch=fake_fetch(documents))
    assert keys.key("any") is None


def test_oversized_answers_are_refused(issuer, clock):
    private, _ = issuer.add_key("k1")
    documents = {
        f"{issuer.url}/.well-known/oauth-authorization-server":
            (200, json.dumps({"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}).encode()),
        f"{issuer.url}/jwks": (200, b" " * (1024 * 1024 + 1)),
    }
    assert RemoteKeySource(issuer.url, fetch=fake_fetch(documents)).key("k1") is None


def test_metadata_url_follows_rfc_8414():
    assert metadata_url("https://auth.example.com/") == "https://auth.example.com/.well-known/oauth-authorization-server"
    assert metadata_url("https://example.com/tenant1") == (
        "https://example.com/.well-known/oauth-authorization-server/tenant1")


def test_one_shared_source_per_issuer():
    assert remote_key_source("https://a.example") is remote_key_source("https://a.example")
    assert remote_key_source("https://a.example") is not remote_key_source("https://b.example")


def test_concurrent_misses_fetch_once(issuer, clock):
    issuer.add_key("k1")
    keys = source(issuer, clock)
    threads = [threading.Thread(target=keys.key, args=("k1",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert issuer.fetches == 1

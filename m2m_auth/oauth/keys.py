"""JWT signing keys: generation, encryption at rest, rotation, publication.

The newest current key signs; every unretired key (next, current, previous)
verifies and is published in the JWKS. A rotation promotes the next key,
which has been published since the previous rotation, so resource servers
know it before it signs; the old current key stays published as previous
until every token it signed has expired.

Private keys are stored as PEM encrypted with Fernet (MultiFernet, so the
encryption keys rotate too). Without configured keys, one is derived from
SECRET_KEY (and SECRET_KEY_FALLBACKS) with HKDF.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import timedelta
from functools import lru_cache

import jwt
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .. import audit, last_good, shared_cache
from ..app_settings import app_settings
from ..models import ApiResource, SigningKey

State = SigningKey.State
CACHE_KEY = "m2m_auth:verification-keys"
CACHE_SECONDS = 30
# 2048-bit RSA: the RFC 7518 minimum and what RS256 verifiers expect; signing
# happens on every token request, and 3072 bits would triple its cost.
RSA_BITS = 2048


@lru_cache(maxsize=16)
def _derived_fernet_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"m2m_auth signing keys")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def fernet() -> MultiFernet:
    """Encrypts with the first configured key; keys derived from SECRET_KEY still decrypt, as with PEPPER,
    so that setting SIGNING_KEY_ENCRYPTION_KEYS on an existing install keeps its signing keys readable."""
    configured = [Fernet(key) for key in app_settings.SIGNING_KEY_ENCRYPTION_KEYS]
    secret_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(configured + [Fernet(_derived_fernet_key(key)) for key in secret_keys])


def _generate(algorithm: str):
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"Unsupported signing algorithm {algorithm!r}.")


def _public_jwk(private_key, algorithm: str, kid: str) -> dict:
    public = jwt.get_algorithm_by_name(algorithm).to_jwk(private_key.public_key(), as_dict=True)
    return {**public, "kid": kid, "alg": algorithm, "use": "sig"}


def create_key(algorithm: str | None = None, state: str = State.NEXT) -> SigningKey:
    algorithm = algorithm or app_settings.SIGNING_ALGORITHM
    private = _generate(algorithm)
    kid = secrets.token_urlsafe(12)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    now = timezone.now()
    return SigningKey.objects.create(
        kid=kid, algorithm=algorithm, state=state, private_key_encrypted=fernet().encrypt(pem).decode(),
        public_jwk=_public_jwk(private, algorithm, kid), activated_at=now if state == State.CURRENT else None,
    )


def current_key() -> SigningKey:
    """The key that signs now; the first call on a fresh install creates it."""
    key = SigningKey.objects.filter(state=State.CURRENT).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = create_key(state=State.CURRENT)
            create_key(state=State.NEXT)
    except IntegrityError:  # another worker bootstrapped first: the unique "current" constraint
        return SigningKey.objects.get(state=State.CURRENT)
    forget_verification_keys()
    return key


def private_key(key: SigningKey):
    return _decrypted(key.kid, key.private_key_encrypted)


@lru_cache(maxsize=32)
def _decrypted(kid: str, encrypted: str):
    pem = fernet().decrypt(encrypted.encode())
    return serialization.load_pem_private_key(pem, password=None)


def published_jwks() -> list[dict]:
    """Every unretired key's public JWK, read through the cache; the last good set while the database is down."""
    cached = shared_cache.get(CACHE_KEY)
    if cached is None:
        cached = last_good.read("jwks", _unretired_jwks)
        shared_cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached


def _unretired_jwks() -> list[dict]:
    return list(SigningKey.objects.exclude(state=State.RETIRED).values_list("public_jwk", flat=True))


def forget_verification_keys() -> None:
    shared_cache.delete(CACHE_KEY)
    _local.update(keys=None, read_at=0.0)


# A per-process copy for a few seconds spares even the cache lookup on the
# request path; keys are published a whole rotation before they sign.
LOCAL_SECONDS = 5
_local: dict = {"keys": None, "read_at": 0.0}


def verification_keys() -> dict[str, jwt.PyJWK]:
    now = time.monotonic()
    if _local["keys"] is None or now - _local["read_at"] > LOCAL_SECONDS:
        keys = {jwk["kid"]: _pyjwk(json.dumps(jwk, sort_keys=True)) for jwk in published_jwks()}
        _local.update(keys=keys, read_at=now)
    return _local["keys"]


def verification_key(kid: str) -> jwt.PyJWK | None:
    """The key for a kid; an unknown kid re-reads the published set, at most once a second."""
    key = verification_keys().get(kid)
    if key is None and time.monotonic() - _local["read_at"] > 1:
        _local.update(keys=None)
        key = verification_keys().get(kid)
    return key


@lru_cache(maxsize=64)
def _pyjwk(jwk_json: str) -> jwt.PyJWK:
    return jwt.PyJWK(json.loads(jwk_json))


def jwks() -> dict:
    return {"keys": published_jwks()}


def longest_token_lifetime() -> timedelta:
    longest = ApiResource.objects.aggregate(longest=Max("token_ttl"))["longest"] or 900
    return timedelta(seconds=longest + app_settings.JWT_LEEWAY)


@transaction.atomic
def rotate(algorithm: str | None = None, *, actor: str = "") -> SigningKey:
    """Promote the next key, demote the current one, retire keys no token needs, pre-publish a new next key.

    On a fresh install the first keys are made first, so that rotating always leaves a previous key.
    """
    current_key()
    list(SigningKey.objects.select_for_update().exclude(state=State.RETIRED))
    now = timezone.now()
    algorithm = algorithm or app_settings.SIGNING_ALGORITHM
    promoted = SigningKey.objects.filter(state=State.NEXT, algorithm=algorithm).first() or create_key(algorithm)
    SigningKey.objects.filter(state=State.CURRENT).update(state=State.PREVIOUS, demoted_at=now)
    SigningKey.objects.filter(pk=promoted.pk).update(state=State.CURRENT, activated_at=now)
    SigningKey.objects.filter(state=State.PREVIOUS, demoted_at__lt=now - longest_token_lifetime()).update(
        state=State.RETIRED, retired_at=now
    )
    SigningKey.objects.filter(state=State.NEXT).exclude(pk=promoted.pk).update(state=State.RETIRED, retired_at=now)
    create_key(algorithm)
    promoted.refresh_from_db()
    # Now for this process, and again after the commit in case another reader
    # cached the old set in between.
    forget_verification_keys()
    transaction.on_commit(forget_verification_keys)
    audit.record("rotate", promoted, actor=actor, kid=promoted.kid, algorithm=algorithm)
    return promoted

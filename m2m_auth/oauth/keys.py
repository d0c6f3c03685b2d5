"""JWT signing keys: generation, encryption at rest, rotation, publication.

The newest current key signs; every unretired key (next, current, previous)
verifies and is published in the JWKS. A rotation schedules the next key to
sign once it has been published for ``publication_delay()``: the JWKS
lifetime resource servers are told (``JWKS_MAX_AGE``) plus our own cache of
it, so every server that honours the JWKS's max-age knows a key before it
signs, whatever the sequence of rotations. The key that signs is the newest
whose time has come; the token endpoint promotes it on first use. The old
current key stays published as previous until every token it signed has
expired.

Private keys are stored as PEM encrypted with Fernet (MultiFernet, so the
encryption keys rotate too). Without configured keys, one is derived from
SECRET_KEY (and SECRET_KEY_FALLBACKS) with HKDF.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, freshness, last_good, shared_cache
from ..app_settings import app_settings
from ..models import ApiResource, SigningKey
from ..stamped_copy import StampedCopy
from . import remembered

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


def jwks_cache_seconds() -> int:
    return min(CACHE_SECONDS, app_settings.JWKS_MAX_AGE)


def publication_delay() -> timedelta:
    """How long a key is published before it signs: longer than anyone may hold a JWKS without it."""
    return timedelta(seconds=app_settings.JWKS_MAX_AGE + jwks_cache_seconds() + 1)


@dataclass(frozen=True)
class Signer:
    """The key that signs, loaded, and until when (the next scheduled key's start time; None: until a change)."""

    kid: str
    algorithm: str
    private_key: Any
    until: datetime | None


_signers: freshness.Memo[Signer] = freshness.memo()


def signer() -> Signer:
    """The current key, remembered under the request's stamp until a scheduled key is due."""
    stamp = remembered.stamp()
    known = _signers.get("current", stamp)
    if known is not None and (known.until is None or timezone.now() < known.until):
        return known
    before = timezone.now()  # a key falling due while we read is then still found as the next one
    key = current_key()
    loaded = Signer(key.kid, key.algorithm, private_key(key), _next_start(before))
    _signers.put("current", stamp, loaded)
    return loaded


def _next_start(after: datetime) -> datetime | None:
    """When the next scheduled key starts to sign, if one is scheduled."""
    upcoming = SigningKey.objects.filter(state=State.NEXT, activated_at__gt=after)
    return upcoming.aggregate(first=Min("activated_at"))["first"]


def current_key() -> SigningKey:
    """The key that signs now; the first call on a fresh install creates it."""
    key = _newest_due(State.CURRENT, State.NEXT)
    if key is not None:
        return _promote(key) if key.state == State.NEXT else key
    return _bootstrap()


def settle() -> None:
    """Promote a scheduled key whose time has come (for listings), creating nothing."""
    due = _newest_due(State.NEXT)
    if due is not None:
        _promote(due)


def _newest_due(*states: str) -> SigningKey | None:
    due = SigningKey.objects.filter(state__in=states, activated_at__lte=timezone.now())
    return due.order_by("-activated_at").first()


def _bootstrap() -> SigningKey:
    """A fresh install signs at once: no token exists that a remote server could fail."""
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
    if not cached:
        cached = last_good.read("jwks", _unretired_jwks)
        # Never an empty set: one read just before another worker's bootstrap committed would hide its first keys.
        if cached:
            shared_cache.set(CACHE_KEY, cached, jwks_cache_seconds())
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


def _by_kid(jwks: list[dict]) -> dict[str, jwt.PyJWK]:
    return {jwk["kid"]: _pyjwk(json.dumps(jwk, sort_keys=True)) for jwk in jwks}


# Valid under a freshness stamp: a key saved or deleted replaces it, so the next request sees the change.
_stamped = StampedCopy("m2m_auth:verification-keys:stamped", lambda: last_good.read("jwks", _unretired_jwks), _by_kid)


def verification_keys() -> dict[str, jwt.PyJWK]:
    now = time.monotonic()
    if _local["keys"] is None or now - _local["read_at"] > LOCAL_SECONDS:
        _local.update(keys=_by_kid(published_jwks()), read_at=now)
    return _local["keys"]


def verification_key(kid: str, stamp: Any = None) -> jwt.PyJWK | None:
    """The key for a kid: the set of this freshness stamp; with none, the published set of the last
    few seconds, where an unknown kid re-reads it, at most once a second."""
    if stamp is not None:
        return _stamped.get(stamp).get(kid)
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
    """Schedule a published next key to sign after ``publication_delay()``; publish a key for the rotation after.

    Returns the scheduled key (``activated_at`` says when it signs; at once when
    it has been published long enough). Rotating again while a key of the same
    algorithm is pending changes nothing: quick rotations never sign with a key
    some resource server may not have fetched yet.
    """
    current_key()
    list(SigningKey.objects.select_for_update().exclude(state=State.RETIRED))
    now, algorithm = timezone.now(), algorithm or app_settings.SIGNING_ALGORITHM
    pending = SigningKey.objects.filter(state=State.NEXT, activated_at__isnull=False)
    if pending.filter(algorithm=algorithm).exists():
        return pending.get()
    pending.update(state=State.RETIRED, retired_at=now)  # another algorithm's key, which never signed
    spares = SigningKey.objects.filter(state=State.NEXT, activated_at__isnull=True)
    promoted = spares.filter(algorithm=algorithm).order_by("created_at").first() or create_key(algorithm)
    spares.exclude(pk=promoted.pk).update(state=State.RETIRED, retired_at=now)
    promoted.activated_at = max(now, promoted.created_at + publication_delay())
    promoted.save(update_fields=["activated_at"])
    create_key(algorithm)
    _forget_now_and_after_commit()
    audit.record("rotate", promoted, actor=actor, kid=promoted.kid, algorithm=algorithm,
                 signs_from=promoted.activated_at.isoformat())
    return current_key() if promoted.activated_at <= now else promoted


def _promote(due: SigningKey) -> SigningKey:
    """The due next key becomes current; the current one previous; previous keys no token needs retire."""
    try:
        with transaction.atomic():
            list(SigningKey.objects.select_for_update().exclude(state=State.RETIRED))
            if not SigningKey.objects.filter(pk=due.pk, state=State.NEXT).exists():
                return SigningKey.objects.get(state=State.CURRENT)  # another worker promoted it
            now = timezone.now()
            SigningKey.objects.filter(state=State.CURRENT).update(state=State.PREVIOUS, demoted_at=due.activated_at)
            SigningKey.objects.filter(pk=due.pk).update(state=State.CURRENT)
            SigningKey.objects.filter(state=State.PREVIOUS, demoted_at__lt=now - longest_token_lifetime()).update(
                state=State.RETIRED, retired_at=now
            )
            _forget_now_and_after_commit()
    except IntegrityError:  # a concurrent promotion won the "one current" constraint
        pass
    return SigningKey.objects.get(state=State.CURRENT)


def _forget_now_and_after_commit() -> None:
    # Now for this process, and again after the commit in case another reader
    # cached the old set in between.
    forget_verification_keys()
    transaction.on_commit(forget_verification_keys)
    freshness.changed()  # the bulk updates of a promotion send no signal


def signs_from_if_rotated_now(algorithm: str | None = None) -> datetime:
    """When a rotation started now would have its key sign (for the admin's rotate page)."""
    algorithm, now = algorithm or app_settings.SIGNING_ALGORITHM, timezone.now()
    upcoming = SigningKey.objects.filter(state=State.NEXT, algorithm=algorithm)
    pending = upcoming.filter(activated_at__isnull=False).first()
    if pending is not None and pending.activated_at is not None:
        return pending.activated_at
    spare = upcoming.order_by("created_at").first()
    return max(now, (spare.created_at if spare else now) + publication_delay())


def when_it_signs(key: SigningKey) -> str:
    """What a rotation did, in words, for the command and the admin."""
    if key.state == State.CURRENT:
        return _("%(kid)s (%(algorithm)s) signs new access tokens from now on.") % vars(key)
    return _("%(kid)s (%(algorithm)s) starts signing at %(time)s, once it has been published for the %(delay)d s "
             "that resource servers may cache the JWKS; the current key signs until then.") % {
        **vars(key), "time": (key.activated_at or timezone.now()).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "delay": publication_delay().total_seconds()}

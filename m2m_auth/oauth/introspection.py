"""RFC 7662 introspection and RFC 7009 revocation for every credential kind.

An application may introspect the tokens issued to itself; anything else
(other clients' JWTs, API keys, PATs) needs the built-in scope
``m2m:introspect``. Whatever the caller may not see is ``{"active": false}``.

An API key, PAT or client secret is revoked by anyone who presents it: holding
a leaked secret is enough to kill it. A JWT is revoked only by the
application it was issued to.
"""

from __future__ import annotations

from .. import hashing, revoking, verification
from ..authentication import secret_authentication
from ..models import ApiResource, Application, Permission, Role
from . import keys, revocation
from .verify import InvalidToken, verify_access_token

INACTIVE = {"active": False}
INTROSPECT_SCOPE = "m2m:introspect"
JWT_CLAIMS = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti", "act", "preferred_username", "cnf")


def may_introspect_everything(application: Application) -> bool:
    return Permission.objects.filter(
        scope=INTROSPECT_SCOPE, roles__applications=application, roles__kind=Role.Kind.MACHINE
    ).exists()


def introspect(token: str, caller: Application, issuer: str, address: str | None) -> dict:
    kind = hashing.kind_of(token)
    if kind == "client_secret":
        return INACTIVE
    if kind is not None:
        return _secret_credential(kind, token, address) if may_introspect_everything(caller) else INACTIVE
    claims = verified_claims(token, issuer, revocation.is_revoked_durably)
    if claims is None or (claims["client_id"] != caller.client_id and not may_introspect_everything(caller)):
        return INACTIVE
    answer = {name: claims[name] for name in JWT_CLAIMS if name in claims}
    if "preferred_username" in answer:
        answer["username"] = answer["preferred_username"]
    return {"active": True, "token_type": "Bearer", **answer}


def verified_claims(token: str, issuer: str, is_revoked=None, verify_exp: bool = True) -> dict | None:
    audiences = list(ApiResource.objects.values_list("identifier", flat=True))
    try:
        return verify_access_token(
            token, issuer=issuer, audiences=audiences, key_for=keys.verification_key,
            is_revoked=is_revoked, verify_exp=verify_exp,
        )
    except InvalidToken:
        return None


def _secret_credential(kind: str, token: str, address: str | None) -> dict:
    verdict = verification.verify(kind, token, address, use=False)
    if not verdict.accepted:
        return INACTIVE
    credential, authenticator = verdict.credential, secret_authentication(kind)()
    context = authenticator.context(credential)
    answer = {
        "active": True,
        "token_type": kind,
        "scope": " ".join(sorted(context.scopes)),
        "client_id": context.client_id,
        "username": context.username,
        "sub": str(authenticator.principal(credential).pk),
        "iat": int(credential.created_at.timestamp()),
        "credential_id": context.credential_id,
    }
    if credential.expires_at is not None:
        answer["exp"] = int(credential.expires_at.timestamp())
    return {name: value for name, value in answer.items() if value is not None}


def revoke_presented_secret(token: str, actor: str, address: str | None) -> None:
    """Revoke an API key, PAT or client secret whose plaintext is presented; silent otherwise."""
    kind = hashing.kind_of(token)
    verdict = verification.verify(kind, token, address, use=False) if kind else None
    if verdict is not None and verdict.accepted:
        revoking.revoke(verdict.credential, actor=actor, reason="presented at the revocation endpoint", address=address)

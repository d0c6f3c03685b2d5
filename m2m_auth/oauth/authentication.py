"""DRF authentication for RFC 9068 JWT access tokens: no database query.

Local mode verifies with this server's signing keys and checks the jti
deny-list (``revocation``: the database's list, copied in the cache and in
each worker), at the cost of one cache read: the freshness stamp, under which
a worker remembers the verified claims of a token (``verify_remembered``), the
keys and the deny-list. Expiry, the deny-list and the certificate binding are
checked on every request. Remote
mode (``M2M_AUTH["REMOTE_ISSUER"]``) verifies tokens of another issuer from
its metadata and JWKS alone, and refuses the ones its revocation feed
announced (``remote_feed.py``).
"""

from __future__ import annotations

import hmac

from rest_framework import exceptions

from .. import audit, freshness, inputs, verification
from ..app_settings import app_settings
from ..authentication import INVALID, SecretAuthentication, bearer_token
from ..outages import as_503, outage_errors
from ..principals import AuthContext, MachinePrincipal, TokenUser
from . import keys, mtls, revocation
from .remote_feed import follower_for
from .remote_keys import remote_key_source
from .tokens import issuer
from .verify import InvalidToken, scopes_of, verify_remembered


class JWTAuthentication(SecretAuthentication):
    """``Authorization: Bearer <jwt>`` issued by the OAuth token endpoint."""

    kind = "oauth_client"

    def authenticate(self, request):
        token = bearer_token(request)
        if token is None or not token.startswith("eyJ"):
            return None
        try:
            claims = self.verify(request, token)
            self.check_binding(request, claims)
        except InvalidToken as error:
            request._m2m_auth_rejected = True
            claims = inputs.jose_part(token, 1) or {}
            verification.log_refusal(self.kind, inputs.loggable(claims.get("jti")), audit.client_address(request),
                                     str(error))
            raise exceptions.AuthenticationFailed(INVALID) from None
        except outage_errors() as error:
            raise as_503(error) from error
        return self.principal(claims), self.context(claims)

    def verify(self, request, token: str) -> dict:
        settings = app_settings.values()
        remote = settings["REMOTE_ISSUER"]
        if remote:
            return self.verify_remote(token, remote.rstrip("/"), settings)
        stamp = freshness.stamp_or_forget()  # the one cache read of the request
        claims = verify_remembered(token, stamp, issuer=issuer(request, settings), audiences=settings["JWT_AUDIENCE"],
                                   key_for=lambda kid: keys.verification_key(kid, stamp), leeway=settings["JWT_LEEWAY"])
        if settings["JWT_REVOCATION_CHECK"] and revocation.is_revoked(claims["jti"], stamp):
            raise InvalidToken("revoked")
        return claims

    def verify_remote(self, token: str, remote: str, settings: dict) -> dict:
        """Offline, with the issuer's published keys and the revocations its feed announced: no cache call."""
        follower = follower_for(remote)
        follower.check_fresh(settings["REMOTE_FEED_REFUSE_AFTER"])
        source = remote_key_source(remote)
        claims = verify_remembered(token, ("remote", source.version()), issuer=remote,
                                   audiences=settings["JWT_AUDIENCE"], key_for=source.key, leeway=settings["JWT_LEEWAY"])
        if follower.is_revoked("jwt", claims["jti"]):
            raise InvalidToken("revoked")
        return claims

    def check_binding(self, request, claims: dict) -> None:
        """A certificate-bound token (RFC 8705) is good only with its own certificate."""
        if "cnf" not in claims:
            return
        bound = claims["cnf"].get("x5t#S256") if isinstance(claims["cnf"], dict) else None
        certificate = mtls.presented_certificate(request.META)
        if not bound or certificate is None or not hmac.compare_digest(mtls.thumbprint(certificate), bound):
            raise InvalidToken("certificate-bound token without its certificate")

    def principal(self, claims: dict):
        if "act" in claims:
            return TokenUser(claims["sub"], str(claims.get("preferred_username", "")), claims["client_id"])
        client_id = claims["client_id"]
        return MachinePrincipal(self.kind, client_id, client_id, client_id)

    def context(self, claims: dict) -> AuthContext:
        username = claims.get("preferred_username") if "act" in claims else None
        return AuthContext(self.kind, claims["jti"], scopes_of(claims), claims["client_id"], claims, username)

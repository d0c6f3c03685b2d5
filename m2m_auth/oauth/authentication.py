"""DRF authentication for RFC 9068 JWT access tokens: no database query.

Local mode verifies with this server's signing keys and checks the jti
deny-list (``revocation``: the database's list, copied in the cache). Remote
mode (``M2M_AUTH["REMOTE_ISSUER"]``) verifies tokens of another issuer from
its metadata and JWKS alone, and refuses the ones its revocation feed
announced (``remote_feed.py``).
"""

from __future__ import annotations

import hmac

from rest_framework import exceptions

from .. import audit, inputs, verification
from ..app_settings import app_settings
from ..authentication import INVALID, SecretAuthentication, bearer_token
from ..outages import translated
from ..principals import AuthContext, MachinePrincipal, TokenUser
from . import keys, mtls, revocation
from .tokens import issuer
from .verify import InvalidToken, looks_like_jwt, scopes_of, verify_access_token


class JWTAuthentication(SecretAuthentication):
    """``Authorization: Bearer <jwt>`` issued by the OAuth token endpoint."""

    kind = "oauth_client"

    @translated()
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
        return self.principal(claims), self.context(claims)

    def verify(self, request, token: str) -> dict:
        if not looks_like_jwt(token):
            raise InvalidToken("not a compact JWS")
        remote = app_settings.REMOTE_ISSUER
        if remote:
            return self.verify_remote(token, remote.rstrip("/"))
        check = revocation.is_revoked if app_settings.JWT_REVOCATION_CHECK else None
        return verify_access_token(
            token,
            issuer=issuer(request),
            audiences=app_settings.JWT_AUDIENCE,
            key_for=keys.verification_key,
            is_revoked=check,
        )

    def verify_remote(self, token: str, remote: str) -> dict:
        """Offline, with the issuer's published keys and the revocations its feed announced."""
        from .remote_feed import follower_for
        from .remote_keys import remote_key_source

        follower = follower_for(remote)
        follower.check_fresh()
        return verify_access_token(
            token, issuer=remote, audiences=app_settings.JWT_AUDIENCE, key_for=remote_key_source(remote).key,
            is_revoked=lambda jti: follower.is_revoked("jwt", jti),
        )

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

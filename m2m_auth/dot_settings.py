"""django-oauth-toolkit settings for a project that uses m2m-auth's OAuth server.

m2m-auth uses DOT's request handling at its token endpoint and none of DOT's
authorization endpoint, redirects, refresh tokens or token tables. Turning on
every RFC 9700 gate silences ``check --deploy``'s oauth2_provider.W001-W008,
changes nothing m2m-auth does, and closes the flows nobody here uses. Safe to
import from a settings module::

    from m2m_auth.dot_settings import RFC9700_COMPLIANT
    OAUTH2_PROVIDER = {**RFC9700_COMPLIANT}
"""

RFC9700_COMPLIANT = {
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

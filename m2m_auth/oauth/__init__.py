"""The OAuth 2.0 authorization server: client credentials to RFC 9068 JWT access tokens."""

"""System checks for the revocation feed, JWKS publication and remote servers (m2m_auth.E060-E062, W060)."""

from __future__ import annotations


from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .. import feed
from ..app_settings import app_settings

SECONDS = ("JWKS_MAX_AGE", "REVOCATION_FEED_POLL_INTERVAL", "REMOTE_FEED_STALE_AFTER",
           "REMOTE_INTROSPECTION_CACHE_SECONDS")
REMOTE_CLASSES = ("m2m_auth.authentication.RemoteApiKeyAuthentication",
                  "m2m_auth.authentication.RemotePersonalAccessTokenAuthentication")
LOCAL_CLASSES = ("m2m_auth.authentication.ApiKeyAuthentication",
                 "m2m_auth.authentication.PersonalAccessTokenAuthentication")


def _seconds(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


@register(Tags.security)
def check_feed_settings(app_configs=None, **kwargs):
    errors = [Error(f"M2M_AUTH[{name!r}] must be a number of seconds, zero or more.", id="m2m_auth.E060")
              for name in SECONDS if not _seconds(getattr(app_settings, name))]
    refuse_after = app_settings.REMOTE_FEED_REFUSE_AFTER
    if refuse_after is not None and not _seconds(refuse_after):
        errors.append(Error("M2M_AUTH['REMOTE_FEED_REFUSE_AFTER'] must be None (keep verifying) or seconds.",
                            id="m2m_auth.E060"))
    cached = app_settings.REMOTE_INTROSPECTION_CACHE_SECONDS
    if _seconds(cached) and cached > feed.KEY_RETENTION.total_seconds():
        errors.append(Error("M2M_AUTH['REMOTE_INTROSPECTION_CACHE_SECONDS'] must not exceed the time the "
                            f"revocation feed keeps a revoked key ({feed.KEY_RETENTION.total_seconds():.0f} s).",
                            id="m2m_auth.E061"))
    return errors


@register(Tags.security)
def check_remote_credentials(app_configs=None, **kwargs):
    classes = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_AUTHENTICATION_CLASSES", [])
    errors = []
    if any(name in classes for name in REMOTE_CLASSES) and not (
            app_settings.REMOTE_ISSUER and app_settings.REMOTE_CLIENT_ID and app_settings.REMOTE_CLIENT_SECRET):
        errors.append(Error("Remote API key and PAT authentication needs REMOTE_ISSUER, REMOTE_CLIENT_ID and "
                            "REMOTE_CLIENT_SECRET.", hint="Create an application with a role holding "
                            "m2m:introspect at the issuer and set its credentials here.", id="m2m_auth.E062"))
    if app_settings.REMOTE_ISSUER and any(name in classes for name in LOCAL_CLASSES):
        errors.append(Warning("With REMOTE_ISSUER set, the local API key and PAT classes look in this site's "
                              "own tables, which the issuer does not fill.",
                              hint="List RemoteApiKeyAuthentication and RemotePersonalAccessTokenAuthentication.",
                              id="m2m_auth.W060"))
    return errors

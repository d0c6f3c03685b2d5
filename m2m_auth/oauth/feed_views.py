"""The revocation feed an issuer publishes, and the health a server reports.

The feed is public, like the JWKS: it names JWT ``jti``s, which identify a
token only to someone who already holds it, and the public ids of API keys
and PATs, which are useless without their secret part. It carries no client
id, user or reason. Being public, a resource server follows it with nothing
configured but the issuer, and any HTTP cache may store it (answers revalidate
by ETag, so a cache never delays a revocation).
"""

from __future__ import annotations

import re

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from .. import feed
from ..app_settings import app_settings
from ..outages import json_503
from .tokens import issuer

CURSOR = re.compile(r"[0-9]{1,18}")
REVALIDATE = "public, no-cache"
BAD_CURSOR = {"error": "invalid_request", "error_description": "since must be a cursor given by this feed."}


@json_503
@require_safe
def revocation_feed_view(request):
    """``GET /oauth/revocations?since=CURSOR``: revocations after a cursor, and the next cursor."""
    since = request.GET.get("since", "0")
    if not CURSOR.fullmatch(since):
        return JsonResponse(BAD_CURSOR, status=400, headers={"Cache-Control": "no-store"})
    answer = feed.answer(int(since))
    headers = {"ETag": f'"{answer["etag"]}"', "Cache-Control": REVALIDATE}
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return HttpResponse(status=304, headers=headers)
    body = {"issuer": issuer(request), "poll_interval": app_settings.REVOCATION_FEED_POLL_INTERVAL,
            **{name: answer[name] for name in ("cursor", "events", "more", "reset")}}
    return JsonResponse(body, headers=headers)


@json_503
@require_safe
def health_view(request):
    """``GET /m2m-auth/health``: a remote resource server's view of its issuer's revocation feed."""
    remote = app_settings.REMOTE_ISSUER
    if not remote:
        return JsonResponse({"status": "ok", "mode": "issuer"}, headers={"Cache-Control": "no-store"})
    from .remote_feed import follower_for

    status = {"mode": "remote", **follower_for(remote.rstrip("/")).status()}
    code = 503 if status["status"] == "refusing" else 200
    return JsonResponse(status, status=code, headers={"Cache-Control": "no-store"})

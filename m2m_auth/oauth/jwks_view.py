from django.http import JsonResponse
from django.views.decorators.http import require_safe

from ..app_settings import app_settings
from ..outages import json_503
from . import keys


@json_503
@require_safe
def jwks_view(request):
    """``GET /.well-known/jwks.json``: every unretired public signing key.

    Cacheable for ``JWKS_MAX_AGE`` seconds (five minutes by default): a key is
    published at least that long before it signs (``keys.publication_delay``),
    and verifiers refetch on an unknown ``kid``. Served from the last good set
    while the database is down.
    """
    document = keys.jwks()
    if not document["keys"]:  # a fresh install publishes its first keys at once
        keys.current_key()
        document = keys.jwks()
    max_age = app_settings.JWKS_MAX_AGE
    return JsonResponse(document, headers={"Cache-Control": f"public, max-age={max_age}"})

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from ..outages import json_503
from . import keys


@json_503
@require_safe
def jwks_view(request):
    """``GET /.well-known/jwks.json``: every unretired public signing key.

    Cacheable for five minutes: keys are published a whole rotation before
    they sign, and verifiers refetch on an unknown ``kid``. Served from the
    last good set while the database is down.
    """
    document = keys.jwks()
    if not document["keys"]:  # a fresh install publishes its first keys at once
        keys.current_key()
        document = keys.jwks()
    return JsonResponse(document, headers={"Cache-Control": "public, max-age=300"})

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from ..app_settings import app_settings
from . import keys


@require_safe
def jwks_view(request):
    """``GET /.well-known/jwks.json``: every unretired public signing key.

    Cacheable for ``JWKS_MAX_AGE`` seconds (five minutes by default): a key is
    published at least that long before it signs (``keys.publication_delay``).
    """
    keys.current_key()  # a fresh install publishes its first keys at once
    max_age = app_settings.JWKS_MAX_AGE
    return JsonResponse(keys.jwks(), headers={"Cache-Control": f"public, max-age={max_age}"})

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from . import keys


@require_safe
def jwks_view(request):
    """``GET /.well-known/jwks.json``: every unretired public signing key.

    Cacheable for five minutes: keys are published a whole rotation before
    they sign, and verifiers refetch on an unknown ``kid``.
    """
    keys.current_key()  # a fresh install publishes its first keys at once
    return JsonResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

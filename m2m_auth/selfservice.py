"""Self-service pages: a signed-in user lists, creates and revokes their own PATs.

The new token is shown in the response to the POST that created it, with
``Cache-Control: no-store``, and never again: it is not kept in the session.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import audit, inputs, issuing, revoking
from .app_settings import app_settings
from .exceptions import M2MAuthError
from .forms import PersonalAccessTokenForm
from .models import PersonalAccessToken
from .outages import html_503


def page(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    base = select_template([app_settings.BASE_TEMPLATE, "m2m_auth/base.html"])
    return TemplateResponse(request, template, {"base_template": base, **context}, status=status)


def actor(request) -> str:
    return f"self:{request.user.get_username()}"


@html_503
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    form = PersonalAccessTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = issuing.create_personal_access_token(
                request.user, form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                expires_in=form.expires_in(), actor=actor(request), address=audit.client_address(request),
            )
        except M2MAuthError as error:
            form.add_error(None, str(error))
        else:
            return page(request, "m2m_auth/token_created.html", {"token": token, "plaintext": plaintext}, 201)
    owned = PersonalAccessToken.objects.filter(user=request.user).prefetch_related("scopes")
    expiring = list(owned.expiring(timedelta(seconds=app_settings.EXPIRY_WARNING_WINDOW)).order_by("expires_at"))
    status = 400 if form.errors else 200
    context = {"tokens": owned, "expiring": expiring, "expiring_ids": {t.pk for t in expiring}, "form": form}
    return page(request, "m2m_auth/tokens.html", context, status)


@html_503
@login_required
@require_POST
def revoke_token(request, public_id: str):
    if inputs.public_id(public_id) is None:
        raise Http404
    token = get_object_or_404(PersonalAccessToken, user=request.user, public_id=public_id)
    if revoking.revoke(token, actor=actor(request), reason="revoked by its owner", address=audit.client_address(request)):
        messages.success(request, _("Token “%s” is revoked; it stops working at once.") % token.name)
    return redirect("m2m_auth:tokens")

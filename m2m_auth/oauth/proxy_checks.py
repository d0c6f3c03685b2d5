"""System checks for the trusted proxies setting (m2m_auth.E014, E020, W005, W020)."""

from __future__ import annotations

from django.core.checks import Error, Warning

from ..addresses import proxy_networks, trusted_proxies
from ..app_settings import app_settings, user_settings
from ..checks import HEADER


def check_proxies():
    name = "TRUSTED_PROXIES" if "TRUSTED_PROXIES" in user_settings() else "MTLS_TRUSTED_PROXIES"
    yield from _deprecated_alias()
    try:
        networks = proxy_networks(trusted_proxies())
    except (TypeError, ValueError):
        yield Error(f"M2M_AUTH[{name!r}] must be a list of addresses or networks (CIDR), or 'unix'.",
                    hint='e.g. ["10.0.0.5/32"]: your reverse proxies only, as Django sees them', id="m2m_auth.E014")
        return
    if any(network.prefixlen == 0 for network in networks):
        yield Warning(f"M2M_AUTH[{name!r}] trusts every address: anyone can forge a client address or certificate.",
                      hint="List only your reverse proxies, as Django sees them.", id="m2m_auth.W005")
    header = app_settings.FORWARDED_HEADER
    if not isinstance(header, str) or not HEADER.fullmatch(header):
        yield Error("M2M_AUTH['FORWARDED_HEADER'] must be a header name.",
                    hint='"X-Forwarded-For" (the default) or "Forwarded" (RFC 7239)', id="m2m_auth.E020")


def _deprecated_alias():
    configured = user_settings()
    if "MTLS_TRUSTED_PROXIES" not in configured:
        return
    ignored = " It is ignored: TRUSTED_PROXIES is set." if "TRUSTED_PROXIES" in configured else ""
    yield Warning(
        f"M2M_AUTH['MTLS_TRUSTED_PROXIES'] is deprecated.{ignored}",
        hint="Rename it TRUSTED_PROXIES: one list of reverse proxies, believed for the client certificate and for "
             "the client's address (X-Forwarded-For), which they must set.",
        id="m2m_auth.W020",
    )

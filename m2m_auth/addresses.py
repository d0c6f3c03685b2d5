"""The client's address: the peer's, or the one a trusted proxy forwarded.

Behind a reverse proxy every request comes from the proxy. Its forwarding
header (``M2M_AUTH['FORWARDED_HEADER']``, ``X-Forwarded-For`` by default, or
RFC 7239 ``Forwarded``) is read only when the request comes from an address in
``M2M_AUTH['TRUSTED_PROXIES']``: anyone can send the header, so from anywhere
else it is ignored. The same setting decides whether a forwarded client
certificate is believed (mutual TLS). In a chain of hops the client is the
rightmost address that is not a trusted proxy: each trusted proxy appends the
address it saw, and everything left of that was written by hosts we do not
trust. Rate limits, the audit log and last-used all read this one function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .app_settings import app_settings, user_settings

UNIX_SOCKET = "unix"  # a TRUSTED_PROXIES entry: requests without a peer address (a Unix socket)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: Any) -> str | None:
    """The address of the client that sent ``request``, or None when unknown."""
    return address_from_meta(getattr(request, "META", {}))


def address_from_meta(meta: Mapping) -> str | None:
    if not from_trusted_proxy(meta):
        return _text(parse_address(meta.get("REMOTE_ADDR", "")))
    hops = [parse_address(hop) for hop in forwarded_hops(meta.get(header_meta_key(), ""))]
    for hop in reversed(hops):
        if hop is None or not _is_proxy(hop):
            return _text(hop)
    return _text(hops[0] if hops else parse_address(meta.get("REMOTE_ADDR", "")))


def from_trusted_proxy(meta: Mapping) -> bool:
    """Whether the request's peer is a trusted proxy (whose headers are believed)."""
    peer = meta.get("REMOTE_ADDR", "")
    if not peer:
        return UNIX_SOCKET in _entries()
    address = parse_address(peer)
    return address is not None and _is_proxy(address)


def trusted_proxies() -> list:
    """``TRUSTED_PROXIES``, or its deprecated alias ``MTLS_TRUSTED_PROXIES`` while only that is set."""
    configured = user_settings()
    if "TRUSTED_PROXIES" in configured:
        return configured["TRUSTED_PROXIES"]
    return configured.get("MTLS_TRUSTED_PROXIES", [])


def proxy_networks(entries) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of a TRUSTED_PROXIES value; ValueError or TypeError when it is not one."""
    if not isinstance(entries, (list, tuple)):
        raise TypeError("a list of addresses or networks")
    return [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != UNIX_SOCKET]


def header_meta_key() -> str:
    return "HTTP_" + str(app_settings.FORWARDED_HEADER).upper().replace("-", "_")


def forwarded_hops(value: str) -> list[str]:
    """The addresses a forwarding header lists, leftmost (farthest) first."""
    if str(app_settings.FORWARDED_HEADER).lower() != "forwarded":
        return [hop for hop in value.split(",") if hop.strip()]
    hops = []
    for element in value.split(","):
        for pair in element.split(";"):
            name, _, hop = pair.strip().partition("=")
            if name.lower() == "for":
                hops.append(hop)
    return hops


def parse_address(raw: str) -> IPAddress | None:
    """An address as proxies write it: bare, ``[v6]:port``, ``v4:port``, quoted (RFC 7239)."""
    text = raw.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 from a dual-stack socket
    return mapped or address


def _is_proxy(address: IPAddress) -> bool:
    return any(address in network for network in _networks(_entries()))


def _entries() -> tuple:
    entries = trusted_proxies()
    return tuple(map(str, entries)) if isinstance(entries, (list, tuple)) else ("invalid",)


@lru_cache(maxsize=8)
def _networks(entries: tuple) -> tuple:
    try:
        return tuple(proxy_networks(list(entries)))
    except (TypeError, ValueError):  # check E014 reports it; until fixed, trust nobody
        return ()


def _text(address: IPAddress | None) -> str | None:
    return None if address is None else str(address)

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

Every request asks, so the answer is remembered per peer address and header
value, with the parsed setting, until the settings change.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .app_settings import app_settings, user_settings

UNIX_SOCKET = "unix"  # a TRUSTED_PROXIES entry: requests without a peer address (a Unix socket)
ANSWERS_KEPT = 1024
LONGEST_KEPT = 256  # a longer forwarding header is parsed each time, not kept
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: Any) -> str | None:
    """The address of the client that sent ``request``, or None when unknown."""
    return address_from_meta(getattr(request, "META", {}))


def address_from_meta(meta: Mapping) -> str | None:
    proxies = app_settings.derived(Proxies)
    asked = (meta.get("REMOTE_ADDR", ""), meta.get(proxies.header_key))
    try:
        return proxies.answers[asked]
    except KeyError:
        answer = proxies.client(*asked)
    if len(asked[1] or "") <= LONGEST_KEPT:
        if len(proxies.answers) >= ANSWERS_KEPT:  # many clients, or a client sending many headers
            proxies.answers.clear()
        proxies.answers[asked] = answer
    return answer


class Proxies:
    """The trusted proxies and forwarding header as configured, and the answers they gave."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        entries = trusted_proxies()
        self.entries = tuple(map(str, entries)) if isinstance(entries, (list, tuple)) else ("invalid",)
        try:
            self.networks = proxy_networks(list(self.entries))
        except (TypeError, ValueError):  # check E014 reports it; until fixed, trust nobody
            self.networks = []
        self.header = str(values["FORWARDED_HEADER"])
        self.header_key = "HTTP_" + self.header.upper().replace("-", "_")
        self.answers: dict[tuple[str, str | None], str | None] = {}

    def client(self, peer: str, header: str | None) -> str | None:
        if not self.trusts(peer):
            return _text(parse_address(peer))
        hops = [parse_address(hop) for hop in self.hops(header or "")]
        for hop in reversed(hops):
            if hop is None or not self.is_proxy(hop):
                return _text(hop)
        return _text(hops[0] if hops else parse_address(peer))

    def trusts(self, peer: str) -> bool:
        if not peer:
            return UNIX_SOCKET in self.entries
        address = parse_address(peer)
        return address is not None and self.is_proxy(address)

    def is_proxy(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def hops(self, value: str) -> list[str]:
        """The addresses a forwarding header lists, leftmost (farthest) first."""
        if self.header.lower() != "forwarded":
            return [hop for hop in value.split(",") if hop.strip()]
        hops = []
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, hop = pair.strip().partition("=")
                if name.lower() == "for":
                    hops.append(hop)
        return hops


def from_trusted_proxy(meta: Mapping) -> bool:
    """Whether the request's peer is a trusted proxy (whose headers are believed)."""
    return app_settings.derived(Proxies).trusts(meta.get("REMOTE_ADDR", ""))


def trusted_proxies() -> list:
    """``TRUSTED_PROXIES``, or its deprecated alias ``MTLS_TRUSTED_PROXIES`` while only that is set."""
    configured = user_settings()
    if "TRUSTED_PROXIES" in configured:
        return configured["TRUSTED_PROXIES"]
    return configured.get("MTLS_TRUSTED_PROXIES", [])


def proxy_networks(entries) -> list[Network]:
    """The networks of a TRUSTED_PROXIES value; ValueError or TypeError when it is not one."""
    if not isinstance(entries, (list, tuple)):
        raise TypeError("a list of addresses or networks")
    return [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != UNIX_SOCKET]


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


def _text(address: IPAddress | None) -> str | None:
    return None if address is None else str(address)

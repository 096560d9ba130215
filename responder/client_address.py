"""The address a request comes from, for rate limits and sign-in pauses.

REMOTE_ADDR, unless it is one of our own reverse proxies (TRUSTED_PROXIES, networks
in CIDR notation): then the client is the right-most X-Forwarded-For entry that is
not one of our proxies. Entries further left were written by the client itself and
prove nothing, so they are never used; without TRUSTED_PROXIES the header is ignored
(a forwarded-for header is whatever the client says it is).
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Any) -> str:
    meta = getattr(request, "META", None) or {}
    remote = str(meta.get("REMOTE_ADDR") or "unknown")
    if not settings.TRUSTED_PROXIES or not _trusted(remote):
        return remote
    hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # our proxy wrote a name or garbage: do not guess
                return remote
    return remote

"""Client addresses, kept as little as possible: the peer address and its network prefix.

Consent records keep only the network (IPv4 /24, IPv6 /48), never a whole address.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a proxy, have the proxy set REMOTE_ADDR (documented)."""
    return str(request.META.get("REMOTE_ADDR") or "")


def ip_prefix(ip: str) -> str:
    """Truncate to the network: 203.0.113.7 → 203.0.113.0/24; IPv6 → /48; "" if not an IP."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))

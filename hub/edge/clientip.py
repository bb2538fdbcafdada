"""Where a request (portal, web sign-in) came from: the peer's address, or — only behind
proxies the hub is told to trust — the address those proxies say they got it from
(X-Forwarded-For)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from hub.domain.errors import ValidationFailed

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """`trusted_proxies`: comma-separated addresses or networks (CIDR); empty trusts none."""
    out = []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError as e:
            raise ValidationFailed(f"{part!r} is not an address or network: {e}",
                                   field="trusted_proxies") from e
    return tuple(out)


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_ip(remote: str | None, forwarded_for: str | None,
              trusted: Sequence[Network]) -> str:
    """The peer's address, unless the peer is a trusted proxy: then the nearest address in
    X-Forwarded-For (read right to left) that is not a trusted proxy itself. What a client
    writes into the header is never believed beyond the hops the hub trusts."""
    here = remote or "unknown"
    if not forwarded_for or not _trusted(here, trusted):
        return here
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return here  # a garbled chain: keep what is known for sure
        if not _trusted(hop, trusted):
            return hop
        here = hop
    return here

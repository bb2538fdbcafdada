"""Keeps workpaper pushes off private networks: a tenant chooses the URL the hub calls."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from hub.domain.errors import PermanentError


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _refused(host: str) -> PermanentError:
    return PermanentError(f"the webhook's host {host} is on a private network; the hub pushes "
                          "only to public addresses (setting webhook_private_networks)")


def require_public_host(url: str) -> None:
    """PermanentError when the URL names a non-public IP address (names are checked when
    they are resolved, by PublicResolver, so a DNS answer cannot change it in between)."""
    host = urlsplit(url).hostname or ""
    try:
        public = is_public(host)
    except ValueError:
        return  # a name, not an address
    if not public:
        raise _refused(host)


class PublicResolver(AbstractResolver):
    """Resolves like aiohttp does, keeping only public addresses."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        kept = [r for r in await self._inner.resolve(host, port, family)
                if is_public(r["host"])]
        if not kept:
            raise _refused(host)
        return kept

    async def close(self) -> None:
        await self._inner.close()


def public_session(timeout_seconds: float) -> aiohttp.ClientSession:
    """A client session that connects to public addresses only."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        connector=aiohttp.TCPConnector(resolver=PublicResolver()))

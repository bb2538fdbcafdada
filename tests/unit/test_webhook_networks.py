"""Workpaper pushes go to public addresses only (unless the hub is told otherwise): a firm's
URL must not reach into the hub's own network."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.audit_software.networks import (
    PublicResolver,
    is_public,
    public_session,
    require_public_host,
)
from adapters.signed_http import post_signed
from hub.domain.errors import PermanentError, TransientError


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
                                     "fe80::1%eth0", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"])
def test_private_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)
    with pytest.raises(PermanentError, match="private network"):
        require_public_host(f"https://[{address}]/hook" if ":" in address
                            else f"https://{address}/hook")


@pytest.mark.parametrize("address", ["8.8.8.8", "202.96.209.133", "2400:3200::1"])
def test_public_addresses_are(address: str) -> None:
    assert is_public(address)


class Answers(AbstractResolver):
    def __init__(self, *hosts: str) -> None:
        self.hosts = hosts

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [{"hostname": host, "host": h, "port": port, "family": family, "proto": 0,
                 "flags": 0} for h in self.hosts]

    async def close(self) -> None:
        pass


async def test_names_keep_only_their_public_addresses() -> None:
    found = await PublicResolver(Answers("10.0.0.7", "8.8.4.4")).resolve("mixed.example", 443)
    assert [r["host"] for r in found] == ["8.8.4.4"]
    with pytest.raises(PermanentError, match="private network"):
        await PublicResolver(Answers("127.0.0.1")).resolve("rebound.example", 443)


async def test_a_name_for_loopback_is_never_called(unused_tcp_port: int) -> None:
    called: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        called.append(request)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        with pytest.raises(PermanentError, match="localhost is on a private network"):
            await post_signed(f"http://localhost:{unused_tcp_port}/hook", b"{}", secret=b"k",
                              message_id="m-1", timestamp="1", party="the webhook",
                              timeout_seconds=5, session=lambda: public_session(5))
    finally:
        await runner.cleanup()
    assert called == []


async def test_an_answer_quoted_in_an_error_carries_no_control_character(
        unused_tcp_port: int) -> None:
    """A bank's 503 page with a NUL in it becomes the letter's delivery reason, its history
    and perhaps a parked row: PostgreSQL would refuse to store the raw text."""

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=503, body=b"busy\x00\x1b[31m try later")

    app = web.Application()
    app.router.add_post("/letters", busy)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        with pytest.raises(TransientError) as failed:
            await post_signed(f"http://127.0.0.1:{unused_tcp_port}/letters", b"{}",
                              secret=b"k", message_id="m-1", timestamp="1", party="the bank",
                              timeout_seconds=5, echo=True)
    finally:
        await runner.cleanup()
    assert failed.value.message == "the bank answered 503: busy\ufffd\ufffd[31m try later"

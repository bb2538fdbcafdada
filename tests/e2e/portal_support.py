"""A real SMTP server (aiosmtpd) that keeps what it receives, and a company contact that
follows the portal's e-mails over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import email
import re
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import aiohttp
from aiosmtpd.controller import Controller

from tests.conftest import free_port
from tests.e2e.conftest import Hub, running_hub

LINK = re.compile(r"(https?://\S+/portal/l/[A-Za-z0-9_-]+)")
CODE = re.compile(r"验证码为：(\d{6})")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Mailbox:
    """What the SMTP server accepted; `refuse` makes it answer 451 (try again later)."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0
    """How many more messages to refuse with 451."""
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 try again later"
            msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=default)
            assert isinstance(msg, EmailMessage)
            self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    async def wait(self, address: str, count: int = 1,
                   match: Callable[[EmailMessage], bool] = lambda m: True,
                   within: float = 60.0) -> list[EmailMessage]:
        """The first `count` messages to `address` that `match` (fewer if none come)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = [m for m in self.to(address) if match(m)]
            if len(found) >= count or loop.time() > deadline:
                return found
            await asyncio.sleep(0.05)


def body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def is_link_mail(msg: EmailMessage) -> bool:
    return "企业询证函" in str(msg["Subject"])


def is_code_mail(msg: EmailMessage) -> bool:
    return "验证码" in str(msg["Subject"])


def start_smtp() -> tuple[Controller, Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    return controller, box


@contextlib.asynccontextmanager
async def portal_hub(stack: tuple[str, str], tmp_path: Any, mailbox: Mailbox,
                     **overrides: Any) -> AsyncIterator[Hub]:
    """A hub whose portal e-mails go to `mailbox`, stopped afterwards."""
    async with running_hub(*stack, tmp_path, smtp_host="127.0.0.1", smtp_port=mailbox.port,
                           letter_signature_level="B-T", **overrides) as h:
        yield h


@dataclass
class Contact:
    """The registered contact of a company, with a browser of their own (cookies kept)."""

    hub: Hub
    box: Mailbox
    email: str
    http: aiohttp.ClientSession

    @classmethod
    def of(cls, hub: Hub, box: Mailbox, email: str) -> Contact:
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        return cls(hub, box, email, aiohttp.ClientSession(
            hub.base, cookie_jar=jar, headers={"User-Agent": "Mozilla/5.0 (iPhone) TestPhone"}))

    async def close(self) -> None:
        await self.http.close()

    async def link(self, number: int = 1) -> str:
        """The path of the link in the `number`th link e-mail (its host is the configured
        portal address; the test's hub listens elsewhere)."""
        mails = await self.box.wait(self.email, number, is_link_mail)
        assert len(mails) >= number, f"no link e-mail to {self.email}"
        url = LINK.search(body(mails[number - 1]))
        assert url is not None
        base = self.hub.container.portal_base_url()
        assert url.group(1).startswith(base + "/portal/l/")
        return url.group(1).removeprefix(base)

    async def page(self, path: str) -> tuple[int, str]:
        async with self.http.get(path) as resp:
            return resp.status, await resp.text()

    async def download(self, path: str) -> tuple[int, bytes]:
        async with self.http.get(path) as resp:
            return resp.status, await resp.read()

    async def post(self, path: str, data: Any) -> tuple[int, str]:
        async with self.http.post(path, data=data) as resp:
            return resp.status, await resp.text()

    async def request_code(self, path: str) -> str:
        """Ask for a code on the link's page; the code from the e-mail that brings it."""
        status, html = await self.page(path)
        assert status == 200, html
        before = len([m for m in self.box.to(self.email) if is_code_mail(m)])
        status, html = await self.post(f"{path}/code", {"csrf": csrf(html)})
        assert status == 200 and "输入验证码" in html, html
        mails = await self.box.wait(self.email, before + 1, is_code_mail)
        found = CODE.search(body(mails[-1]))
        assert found is not None
        return found.group(1)

    async def enter_code(self, path: str, code: str) -> tuple[int, str]:
        status, html = await self.page(f"{path}/verify")
        if status != 200:
            return status, html
        return await self.post(f"{path}/verify", {"csrf": csrf(html), "code": code})

    async def open_letter(self, path: str) -> str:
        """Verify with the e-mailed code; the letter page."""
        status, html = await self.enter_code(path, await self.request_code(path))
        assert status == 200, html
        return html

    async def reply(self, path: str, letter_html: str, fields: dict[str, str],
                    files: tuple[tuple[str, bytes, str], ...] = ()) -> tuple[int, str]:
        form = aiohttp.FormData(default_to_multipart=True)  # as the page's form sends it
        form.add_field("csrf", csrf(letter_html))
        for name, value in fields.items():
            form.add_field(name, value)
        for name, data, media_type in files:
            form.add_field("attachments", data, filename=name, content_type=media_type)
        return await self.post(f"{path}/reply", form)


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html
    return found.group(1)

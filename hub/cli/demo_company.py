"""The demo's company contact: reads the portal's e-mails from the mail folder and answers
each letter through the portal's pages over HTTP, as a person on a phone would."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import aiohttp

LINK = re.compile(r"https?://[^\s/]+(/portal/l/[A-Za-z0-9_-]+)")
CODE = re.compile(r"验证码为：(\d{6})")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
FIGURES = ("owed_by_you", "owed_to_you")


class DemoFailed(Exception):
    """The portal did not behave as a company contact would expect."""


class MailFolder:
    """The .eml files the hub's DirectoryMailer wrote, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[EmailMessage]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=default)
            if isinstance(msg, EmailMessage):
                out.append(msg)
        return out

    async def wait(self, subject_part: str, count: int = 1,
                   within: float = 60.0) -> list[EmailMessage]:
        """The first `count` messages whose subject holds `subject_part`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = [m for m in await asyncio.to_thread(self.messages)
                     if subject_part in str(m["Subject"])]
            if len(found) >= count:
                return found
            if loop.time() > deadline:
                raise DemoFailed(f"no e-mail about {subject_part!r} within {within:.0f} s")
            await asyncio.sleep(0.2)


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise DemoFailed("the portal page has no form token")
    return found.group(1)


async def answer_letter(base: str, mail: MailFolder, letter_number: str,
                        letter: Mapping[str, Any], own: Mapping[tuple[int, str], str],
                        explanation: str = "") -> str:
    """Open the link e-mailed for `letter_number`, verify with the e-mailed code, and answer
    with the company's own figures: the letter's, except those in `own` ((row, field) →
    amount). Agreed when they are all the letter's. Returns the portal's closing page."""
    [invite] = await mail.wait(letter_number)
    link = LINK.search(_body(invite))
    if link is None:
        raise DemoFailed(f"the e-mail for {letter_number} carries no portal link")
    path = link.group(1)
    jar = aiohttp.CookieJar(unsafe=True)  # the portal's cookies on 127.0.0.1
    async with aiohttp.ClientSession(base, cookie_jar=jar, headers={
            "User-Agent": "Mozilla/5.0 (iPhone) demo-company-contact"}) as http:
        async with http.get(path) as resp:
            landing = await resp.text()
        codes = len([m for m in await asyncio.to_thread(mail.messages)
                     if "验证码" in str(m["Subject"])])
        async with http.post(f"{path}/code", data={"csrf": _csrf(landing)}) as resp:
            form = await resp.text()
        code = CODE.search(_body((await mail.wait("验证码", codes + 1))[codes]))
        if code is None:
            raise DemoFailed("the code e-mail carries no code")
        async with http.post(f"{path}/verify",
                             data={"csrf": _csrf(form), "code": code.group(1)}) as resp:
            page = await resp.text()
            if resp.status != 200:
                raise DemoFailed(f"verification refused: {resp.status}")
        fields = aiohttp.FormData(default_to_multipart=True)
        fields.add_field("csrf", _csrf(page))
        rows = letter.get("rows", [])
        differs = False
        for i, row in enumerate(rows):
            for name in FIGURES:
                if row.get(name) is None:
                    continue
                mine = own.get((i, name), str(row[name]))
                differs = differs or mine != str(row[name])
                fields.add_field(f"row-{i}-{name}", mine)
        fields.add_field("answer", "differences" if differs else "agreed")
        fields.add_field("explanation", explanation if differs else "")
        async with http.post(f"{path}/reply", data=fields) as resp:
            done = await resp.text()
            if resp.status != 200:
                raise DemoFailed(f"the reply to {letter_number} was refused: {resp.status}")
        return done

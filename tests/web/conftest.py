"""A migrated database with a firm, a bank and a fast KDF, for the web UI's tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.bootstrap import Container, build
from hub.db.migrate import migrate
from hub.domain.commands import CreateOrganisation
from hub.infra.clocks import FrozenClock
from hub.infra.settings import load_settings
from hub.services.accounts import Accounts
from hub.services.passwords import KdfParameters, PasswordKdf
from tests.conftest import unique
from tests.e2e.conftest import Hub, new_uscc

PASSWORD = "对的口令-correct-horse"
FAST_KDF = KdfParameters(time_cost=1, memory_kib=8192, parallelism=1)


@dataclass
class Db:
    container: Container
    clock: FrozenClock
    accounts: Accounts

    async def org(self, kind: str, name: str) -> str:
        org = await self.container.bus.handle(
            CreateOrganisation(kind=kind, name=name, uscc=new_uscc()))
        return str(org.id)


@pytest.fixture
async def db(db_url: str, tmp_path: Any) -> AsyncIterator[Db]:
    settings = load_settings(env={}, data_dir=str(tmp_path), database_url=db_url,
                             letter_signing="off")
    await migrate(settings.database_url)
    clock = FrozenClock(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    container = build(settings, clock=clock)
    accounts = container.accounts()
    accounts.kdf = PasswordKdf(FAST_KDF)
    try:
        yield Db(container, clock, accounts)
    finally:
        await container.close()


class WebClient:
    """A browser-like HTTP client that keeps cookies by hand (aiohttp's jar will not send
    Secure cookies over http://127.0.0.1, which browsers do), and never follows redirects."""

    def __init__(self, base: str) -> None:
        import aiohttp

        self.base = base
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self.http = aiohttp.ClientSession(base, cookie_jar=aiohttp.DummyCookieJar())

    async def close(self) -> None:
        await self.http.close()

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[Any, str]:
        from http.cookies import SimpleCookie

        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with self.http.request(method, path, headers=headers, allow_redirects=False,
                                     **kwargs) as resp:
            body = await resp.text()
            for raw in resp.headers.getall("Set-Cookie", []):
                self.set_cookie_headers.append(raw)
                for name, morsel in SimpleCookie(raw).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return resp, body

    async def get(self, path: str, **kwargs: Any) -> tuple[Any, str]:
        return await self.request("GET", path, **kwargs)

    async def download(self, path: str) -> tuple[Any, bytes]:
        """A GET whose body is bytes (a file), with the session's cookies."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with self.http.get(path, headers={"Cookie": cookie} if cookie else {},
                                 allow_redirects=False) as resp:
            return resp, await resp.read()

    async def post(self, path: str, **kwargs: Any) -> tuple[Any, str]:
        return await self.request("POST", path, **kwargs)

    async def sign_in(self, email: str, password: str = PASSWORD) -> tuple[Any, str]:
        import re

        _, form = await self.get("/web/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token is not None
        return await self.post("/web/login", data={
            "email": email, "password": password, "csrf": token.group(1), "next": "/web/"})

    async def csrf(self, path: str = "/web/") -> str:
        import re

        _, page = await self.get(path)
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None, page
        return token.group(1)


@contextlib.asynccontextmanager
async def signed_in(hub: Hub, org_id: str, *, role: str = "auditor"
                    ) -> AsyncIterator[WebClient]:
    """A browser signed in to `hub`'s web UI as a new user of the firm `org_id`."""
    email = f"{unique(role)}@xinda-cpa.cn"
    await hub.container.accounts().create_user(org_id=org_id, email=email, name="李娜",
                                               role=role, password=PASSWORD)
    browser = WebClient(hub.base)
    try:
        await browser.sign_in(email)
        yield browser
    finally:
        await browser.close()

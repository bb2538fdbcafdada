"""Sign-in failures per client address: one address cannot try many accounts, and behind
trusted proxies the address is the one X-Forwarded-For names (as the portal reads it)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hub.services import throttle
from hub.services.accounts import SIGN_IN_FAILED, SignInFailed
from tests.e2e.conftest import make_firm, start_hub
from tests.web.conftest import PASSWORD, Db, WebClient

EMAIL = "li.na@xinda-cpa.cn"


async def _user(db: Db) -> None:
    firm = await db.org("firm", "信达会计师事务所")
    await db.accounts.create_user(org_id=firm, email=EMAIL, name="李娜", role="auditor",
                                  password=PASSWORD)


async def test_an_address_that_failed_too_often_is_refused_even_the_right_password(
        db: Db) -> None:
    await _user(db)
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):  # many accounts, none locked by it
        with pytest.raises(SignInFailed):
            await db.accounts.sign_in(f"guess{n}@xinda-cpa.cn", "guess", "test", "203.0.113.7")
    with pytest.raises(SignInFailed) as refused:
        await db.accounts.sign_in(EMAIL, PASSWORD, "test", "203.0.113.7")
    assert refused.value.message == SIGN_IN_FAILED  # the same answer as any failure
    assert await db.accounts.sign_in(EMAIL, PASSWORD, "test", "198.51.100.9")
    db.clock.current += throttle.WINDOW
    assert await db.accounts.sign_in(EMAIL, PASSWORD, "test", "203.0.113.7")


def _error(body: str) -> str:
    shown = re.search(r'<p class="error" role="alert">([^<]+)</p>', body)
    assert shown is not None, body
    return shown.group(1)


async def _attempts(trusted: str, tmp_path: Any, sqlite_url: str,
                    monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Three failures forwarded for 203.0.113.7, then the right password forwarded for it
    and for 198.51.100.9: (status, message) of the last two."""
    monkeypatch.setattr(throttle, "MAX_FAILURES_PER_ADDRESS", 3)
    hub = await start_hub(sqlite_url, "embedded://", tmp_path, letter_signing="off",
                          trusted_proxies=trusted)
    browser = WebClient(hub.base)
    try:
        firm = await make_firm(hub)
        await hub.container.accounts().create_user(
            org_id=firm.org_id, email=EMAIL, name="李娜", role="auditor", password=PASSWORD)
        out = []
        for n, (email, password, forwarded) in enumerate([
                *((f"guess{n}@xinda-cpa.cn", "guess", "203.0.113.7") for n in range(3)),
                (EMAIL, PASSWORD, "203.0.113.7"), (EMAIL, PASSWORD, "198.51.100.9")]):
            browser.http.headers["X-Forwarded-For"] = forwarded
            resp, body = await browser.sign_in(email, password)
            if n >= 3:
                out.append((resp.status, "" if resp.status == 303 else _error(body)))
        return out
    finally:
        await browser.close()
        await hub.runtime.stop()


async def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(
        sqlite_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    same, other = await _attempts("127.0.0.1/32", tmp_path, sqlite_url, monkeypatch)
    assert same[0] == 401 and "邮箱或密码不正确" in same[1]
    assert other == (303, "")


async def test_without_trusted_proxies_a_forged_header_does_not_dodge_the_throttle(
        sqlite_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    same, other = await _attempts("", tmp_path, sqlite_url, monkeypatch)
    assert same[0] == other[0] == 401  # both come from 127.0.0.1, whatever the header says
    assert same[1] == other[1]

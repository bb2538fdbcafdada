"""The API-key page of the web UI: a firm_admin makes, revokes and rotates its firm's keys."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.conftest import Firm, Hub, make_firm, start_hub
from tests.web.conftest import PASSWORD, WebClient

ADMIN, AUDITOR = "wang.fang@xinda-cpa.cn", "li.na@xinda-cpa.cn"


@pytest.fixture
async def site(sqlite_url: str, tmp_path: Any) -> AsyncIterator[tuple[Hub, Firm]]:
    hub = await start_hub(sqlite_url, "embedded://", tmp_path, letter_signing="off")
    try:
        firm = await make_firm(hub)
        accounts = hub.container.accounts()
        await accounts.create_user(org_id=firm.org_id, email=ADMIN, name="王芳",
                                   role="firm_admin", password=PASSWORD)
        await accounts.create_user(org_id=firm.org_id, email=AUDITOR, name="李娜",
                                   role="auditor", password=PASSWORD)
        yield hub, firm
    finally:
        await hub.runtime.stop()


def shown_key(body: str) -> str:
    found = re.search(r'<code id="new-key">(hub_[^<]+)</code>', body)
    assert found is not None, body
    return found.group(1)


async def api_status(hub: Hub, key: str) -> int:
    async with hub.client(key) as http:
        return (await http.get("/api/v1/confirmations")).status


async def test_a_firm_admin_makes_revokes_and_rotates_keys_on_the_page(
        site: tuple[Hub, Firm]) -> None:
    hub, firm = site
    browser = WebClient(hub.base)
    try:
        assert (await browser.sign_in(ADMIN))[0].status == 303
        _, listing = await browser.get("/web/keys")
        assert firm.key.split("_")[1] in listing and firm.key.split("_", 2)[2] not in listing
        assert "新建密钥" in listing

        csrf = await browser.csrf("/web/keys")
        refused, _ = await browser.post("/web/keys", data={"role": "auditor"})  # no token
        assert refused.status == 403
        made, body = await browser.post("/web/keys", data={"role": "auditor", "csrf": csrf})
        assert made.status == 201
        key = shown_key(body)
        assert await api_status(hub, key) == 200
        _, again = await browser.get("/web/keys")
        assert key.split("_")[1] in again and key not in again  # shown that once only

        revoked, _ = await browser.post(f"/web/keys/{key.split('_')[1]}/revoke",
                                        data={"csrf": csrf})
        assert revoked.status == 303
        assert await api_status(hub, key) == 401

        rotated, body = await browser.post(f"/web/keys/{firm.key.split('_')[1]}/rotate",
                                           data={"csrf": csrf})
        assert rotated.status == 201
        assert await api_status(hub, firm.key) == 401
        assert await api_status(hub, shown_key(body)) == 200
    finally:
        await browser.close()


async def test_an_auditor_and_another_firm_cannot_touch_the_keys(
        site: tuple[Hub, Firm]) -> None:
    hub, firm = site
    other = await make_firm(hub)
    await hub.container.accounts().create_user(
        org_id=other.org_id, email="zhao.lei@other-cpa.cn", name="赵磊", role="firm_admin",
        password=PASSWORD)
    auditor, outsider = WebClient(hub.base), WebClient(hub.base)
    try:
        await auditor.sign_in(AUDITOR)
        page, _ = await auditor.get("/web/keys")
        assert page.status == 403
        csrf = await auditor.csrf("/web/")
        resp, _ = await auditor.post(f"/web/keys/{firm.key.split('_')[1]}/revoke",
                                     data={"csrf": csrf})
        assert resp.status == 403
        await outsider.sign_in("zhao.lei@other-cpa.cn")
        _, listing = await outsider.get("/web/keys")
        assert firm.key.split("_")[1] not in listing
        csrf = await outsider.csrf("/web/keys")
        resp, _ = await outsider.post(f"/web/keys/{firm.key.split('_')[1]}/rotate",
                                      data={"csrf": csrf})
        assert resp.status == 404
        assert await api_status(hub, firm.key) == 200  # untouched
    finally:
        await auditor.close()
        await outsider.close()


async def test_in_a_real_browser_the_admin_makes_a_key_and_rotates_it(
        site: tuple[Hub, Firm]) -> None:
    from tests.web.test_browser import CHROMIUM, _need_chromium

    async_playwright = _need_chromium()
    hub, firm = site
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = await browser.new_page()
            await page.goto(f"{hub.base}/web/login")
            await page.fill("input[name=email]", ADMIN)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{hub.base}/web/")
            await page.click("text=API 密钥 / API keys")
            await page.wait_for_url(f"{hub.base}/web/keys")
            await page.select_option("select[name=role]", "auditor")
            await page.click("text=新建密钥 / Create key")
            made = await page.locator("#new-key").inner_text()
            assert await api_status(hub, made) == 200

            await page.locator(f"#key-{firm.key.split('_')[1]}").locator(
                "text=轮换 / Rotate").click()
            rotated = await page.locator("#new-key").inner_text()
            assert rotated != made and await api_status(hub, rotated) == 200
            assert await api_status(hub, firm.key) == 401
            row = page.locator(f"#key-{firm.key.split('_')[1]}")
            assert "已吊销" in await row.inner_text()
        finally:
            await browser.close()

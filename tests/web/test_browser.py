"""The firm web UI in a real headless Chromium (Debian's, driven by Playwright): sign in,
filter to overdue letters, open one, download a workpaper; a company name with <script> in it
is shown as text; another firm's user reaches none of it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.bank_sim import EXAMPLE_LEDGER, Ledger
from hub.infra.clocks import FrozenClock
from tests.conftest import UNDER_CI
from tests.e2e.conftest import Firm, Hub, make_firm, start_hub
from tests.e2e.test_bank_exchange import Bank, dispatched_letter
from tests.e2e.test_reference_bank import answered, start_bank
from tests.web.conftest import PASSWORD

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
EVIL = "<script>alert(1)</script>"


def _need_chromium() -> Any:
    """Playwright's async API, with Debian's chromium to drive; CI must have both."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem is not None:
        if UNDER_CI:
            pytest.fail(problem + "; CI must have it", pytrace=False)
        pytest.skip(problem)
    return async_playwright


@dataclass
class Seeded:
    hub: Hub
    firm: Firm
    verified: dict[str, Any]
    overdue_id: str
    overdue_number: str
    workpaper: bytes


async def _workpaper(firm: Firm, cid: str) -> bytes:
    async with firm.hub.client(firm.key) as http:
        for _ in range(600):
            resp = await http.get(f"/api/v1/confirmations/{cid}/workpaper.pdf")
            if resp.status == 200:
                return await resp.read()
            await asyncio.sleep(0.1)
    raise AssertionError("no workpaper was made")


@pytest.fixture
async def seeded(stack: tuple[str, str], tmp_path: Path) -> AsyncIterator[Seeded]:
    """A firm whose client's name carries a script tag, with one letter verified by the
    reference bank (workpaper made) and one delivered to another bank and left unanswered
    until the frozen clock passes its reply date."""
    _need_chromium()
    # Frozen at the real time (the development PKI's certificates start now), moved on below.
    start = datetime.now(UTC).replace(microsecond=0)
    clock = FrozenClock(start)
    hub = await start_hub(*stack, tmp_path, clock=clock, scheduler_interval_seconds=3600)
    try:
        customer = next(iter(Ledger.load(EXAMPLE_LEDGER).customers.values()))
        firm = await make_firm(hub, client=(f"北京{EVIL}科技有限公司", customer.uscc))
        bank_sim = await start_bank(hub, tmp_path / "bank")
        try:
            verified = await answered(firm, "bank_format1")
        finally:
            await bank_sim.cleanup()
        assert verified["status"] == "verified", verified
        workpaper = await _workpaper(firm, verified["id"])

        silent = await Bank.register(hub, "京华商业银行北京分行")
        item = await dispatched_letter(firm, silent)
        async with silent.client() as http:
            got = await http.post(f"/api/v1/inbox/{item['id']}/receipt", json={})
            assert got.status == 200, await got.text()
            got_item = await got.json()
        due = datetime.fromisoformat(f"{got_item['reply_due']}T00:00:00+08:00")
        clock.current = due + timedelta(days=2)  # past its reply date

        await hub.container.accounts().create_user(
            org_id=firm.org_id, email="li.na@xinda-cpa.cn", name="李娜", role="auditor",
            password=PASSWORD)
        other = await make_firm(hub)
        await hub.container.accounts().create_user(
            org_id=other.org_id, email="wang.wei@other-cpa.cn", name="王伟", role="auditor",
            password=PASSWORD)
        yield Seeded(hub, firm, verified, item["id"], item["letter_number"], workpaper)
    finally:
        await hub.runtime.stop()


async def _sign_in(page: Any, base: str, email: str) -> None:
    await page.goto(f"{base}/web/")
    assert page.url.startswith(f"{base}/web/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/web/")


async def test_an_auditor_finds_the_overdue_letter_and_downloads_a_workpaper(
        seeded: Seeded, tmp_path: Path) -> None:
    async_playwright = _need_chromium()
    base = seeded.hub.base
    dialogs: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = await browser.new_context(accept_downloads=True,
                                                viewport={"width": 390, "height": 844})
            page = await context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message),
                                         asyncio.ensure_future(d.dismiss())))
            await _sign_in(page, base, "li.na@xinda-cpa.cn")
            cookies = {c["name"]: c for c in await context.cookies()}
            assert cookies["__Host-hub_session"]["httpOnly"]
            assert cookies["__Host-hub_session"]["secure"]

            # the company name is text, on the list and on the engagement page
            client = page.locator("td.client").first
            assert await client.inner_text() == f"北京{EVIL}科技有限公司"
            await page.click("text=2025年度审计")
            assert await page.locator("dd.client").inner_text() == f"北京{EVIL}科技有限公司"
            assert await page.locator("table.confirmations tbody tr").count() == 2

            # filter to overdue letters: only the unanswered one, flagged
            await page.check("input[name=overdue]")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_url("**overdue=1**")
            rows = page.locator("table.confirmations tbody tr")
            assert await rows.count() == 1
            assert await rows.first.get_attribute("class") == "overdue"
            assert seeded.overdue_number in await rows.first.inner_text()

            # open it: its status, the overdue flag and its timeline with the log's hashes
            await rows.first.locator("a").click()
            await page.wait_for_url(f"**/web/confirmations/{seeded.overdue_id}")
            facts = await page.locator("dl.facts").inner_text()
            assert "已送达" in facts and "逾期" in facts
            timeline = await page.locator("ol.timeline").inner_text()
            assert "已发函 → 已送达" in timeline

            # the verified letter: search it by number, open it, download its workpaper
            await page.goto(f"{base}/web/engagements/{seeded.firm.engagement_id}")
            await page.fill("input[name=q]", seeded.verified["letter_number"])
            await page.click("form.filters button[type=submit]")
            await page.click(f"text={seeded.verified['letter_number']}")
            await page.wait_for_url(f"**/web/confirmations/{seeded.verified['id']}")
            report = await page.locator("table.signatures").inner_text()
            assert "已接受" in report and "是 / yes" in report
            async with page.expect_download() as info:
                await page.click("text=回函底稿 / Workpaper (PDF)")
            download = await info.value
            saved = tmp_path / "workpaper.pdf"
            await download.save_as(saved)
            assert saved.read_bytes() == seeded.workpaper
            assert saved.read_bytes().startswith(b"%PDF-")
            await context.close()
        finally:
            await browser.close()
    assert dialogs == []  # no script ran


async def test_another_firms_user_gets_not_found(seeded: Seeded) -> None:
    async_playwright = _need_chromium()
    base, cid = seeded.hub.base, seeded.verified["id"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await _sign_in(page, base, "wang.wei@other-cpa.cn")
            listed = await page.locator("main").inner_text()
            assert "2025年度审计" in listed and EVIL not in listed  # only its own engagement
            for path in (f"/web/confirmations/{cid}", f"/web/confirmations/{cid}/workpaper.pdf",
                         f"/web/engagements/{seeded.firm.engagement_id}"):
                response = await page.goto(f"{base}{path}")
                assert response is not None and response.status == 404, path
                assert "未找到" in await page.locator("h1").inner_text()
            await context.close()
        finally:
            await browser.close()

"""The portal on a phone in a real headless Chromium (Debian's, driven by Playwright): the
contact follows the e-mailed link, enters the e-mailed code, reads the letter without sideways
scrolling and answers 信息不符 with their figures and a photo of a receipt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Hub, make_firm
from tests.e2e.portal_support import (
    CODE,
    Contact,
    Mailbox,
    body,
    is_code_mail,
    portal_hub,
)
from tests.e2e.test_portal import api, contact_email, delivered_letter
from tests.web.test_browser import CHROMIUM, _need_chromium

pytestmark = pytest.mark.parametrize("stack", ["sqlite+embedded"], indirect=True)


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, mailbox: Mailbox) -> AsyncIterator[Hub]:
    _need_chromium()
    async with portal_hub(stack, tmp_path, mailbox) as h:
        yield h


async def test_a_contact_answers_on_a_phone(hub: Hub, mailbox: Mailbox, tmp_path: Path) -> None:
    async_playwright = _need_chromium()
    firm = await make_firm(hub)
    cid, letter = await delivered_letter(firm)
    address = contact_email(firm)
    finder = Contact.of(hub, mailbox, address)
    try:
        path = await finder.link()
    finally:
        await finder.close()
    receipt = tmp_path / "回单.jpg"
    receipt.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 128)
    dialogs: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844},
                                                is_mobile=True, has_touch=True)
            page = await context.new_page()
            page.on("dialog", lambda d: dialogs.append(d.message))
            await page.goto(f"{hub.base}{path}")
            assert "c***@example.com" in await page.locator("main").inner_text()
            await page.click("button[type=submit]")
            await page.wait_for_url(f"**{path}/verify")
            mails = await mailbox.wait(address, 1, is_code_mail)
            code = CODE.search(body(mails[-1]))
            assert code is not None
            await page.fill("input[name=code]", code.group(1))
            await page.click("text=验证并查看询证函")
            await page.wait_for_url(f"**{path}/letter")

            assert letter["letter_number"] in await page.locator("main").inner_text()
            sideways = await page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth")
            assert sideways <= 0  # fits the phone: the table scrolls inside its box
            cookie = next(c for c in await context.cookies()
                          if c["name"] == "hub_portal_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

            await page.check("input[value=differences]")
            await page.fill("input[name=row-0-owed_by_you]", "1865000.00")
            await page.fill("input[name=row-1-owed_by_you]", "48000.00")
            await page.fill("input[name=row-1-owed_to_you]", "12500.00")
            await page.fill("textarea[name=explanation]", "12 月 31 日在途货款 320 元")
            await page.set_input_files("input[name=attachments]", str(receipt))
            await page.click("text=提交回函")
            await page.wait_for_selector("text=回函已提交")
            assert "1 处金额不符" in await page.locator("main").inner_text()
            await context.close()
        finally:
            await browser.close()
    assert dialogs == []
    replies = await api(firm, f"/api/v1/confirmations/{cid}/replies")
    assert [(e["row"], e["field"], e["difference"]) for e in replies["exceptions"]] == [
        (0, "owed_by_you", "-320.00")]

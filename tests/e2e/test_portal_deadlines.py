"""The portal on a frozen clock: a negative letter unanswered by its deadline is recorded as
no difference reported (not as a reply that agrees); used, expired, guessed links and wrong
codes get nothing of the letter, and repeated wrong codes lock the link."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hub.domain.commands import ConcludeUnansweredNegatives, SendSecondRequests
from hub.infra.clocks import FrozenClock
from tests.e2e.conftest import Hub, make_firm
from tests.e2e.portal_support import (
    Contact,
    Mailbox,
    csrf,
    is_link_mail,
    portal_hub,
)
from tests.e2e.test_portal import api, contact_email, delivered_letter, pdf_text, workpaper_pdf

pytestmark = pytest.mark.parametrize("stack", ["postgres+rabbitmq"], indirect=True)

# Monday 28 September 2026, before the National Day holidays.
DELIVERED = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DELIVERED)


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, mailbox: Mailbox,
              clock: FrozenClock) -> AsyncIterator[Hub]:
    # The test concludes the negative letters itself, on the day it sets; no scheduler round.
    async with portal_hub(stack, tmp_path, mailbox, clock=clock,
                          scheduler_interval_seconds=3600) as h:
        yield h


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


async def test_a_negative_letter_unanswered_by_its_deadline_has_no_difference_reported(
        hub: Hub, mailbox: Mailbox, clock: FrozenClock) -> None:
    firm = await make_firm(hub)
    negative, letter = await delivered_letter(firm, "negative")
    positive, _ = await delivered_letter(firm, "positive")
    due = date.fromisoformat((await api(firm, f"/api/v1/confirmations/{negative}"))["reply_due"])
    contact = Contact.of(hub, mailbox, contact_email(firm))
    try:
        path = await contact.link(1)
        clock.current = at(due)
        assert await hub.container.bus.handle(ConcludeUnansweredNegatives()) == []  # due today

        clock.current = at(due + timedelta(days=1))
        assert await hub.container.bus.handle(ConcludeUnansweredNegatives()) == [negative]
        assert await hub.container.bus.handle(ConcludeUnansweredNegatives()) == []  # once

        status, html = await contact.page(path)
        assert status == 410 and letter["letter_number"] not in html
    finally:
        await contact.close()

    c = await api(firm, f"/api/v1/confirmations/{negative}")
    assert c["status"] == "verified" and c["exception_count"] == 0
    assert "no_difference_reported" in c["status_reason"]
    replies = await api(firm, f"/api/v1/confirmations/{negative}/replies")
    assert [r["conclusion"] for r in replies["items"]] == ["no_difference_reported"]
    history = (await api(firm, f"/api/v1/confirmations/{negative}/history"))["items"]
    assert [h["to_status"] for h in history if "未回函视为无异议" in (h.get("reason") or "")] \
        == ["replied", "verified"]
    record = pdf_text(await api(firm, f"/api/v1/confirmations/{negative}/reply.pdf"))
    assert "未回函视为无异议" in record and "信息证明无误" in record  # "…不同于…信息证明无误"
    workpaper = pdf_text(await workpaper_pdf(firm, negative))
    assert "未回函视为无异议" in workpaper and "核对相符" not in workpaper

    still = await api(firm, f"/api/v1/confirmations/{positive}")
    assert still["status"] == "delivered" and still["overdue"] is True
    # The positive letter's second request (催函) brings its contact a new link.
    clock.current = at(hub.container.calendar.add_working_days(due, 1))
    assert await hub.container.bus.handle(SendSecondRequests()) == [positive]
    reminder = await mailbox.wait(contact_email(firm), 3, is_link_mail)
    assert len(reminder) == 3 and "第 1 次催函" in str(reminder[2]["Subject"])


async def test_guessed_used_expired_links_and_wrong_codes_get_nothing_of_the_letter(
        hub: Hub, mailbox: Mailbox, clock: FrozenClock) -> None:
    firm = await make_firm(hub)
    first, letter = await delivered_letter(firm)
    second, _ = await delivered_letter(firm)
    number = letter["letter_number"]
    contact = Contact.of(hub, mailbox, contact_email(firm))
    stranger = Contact.of(hub, mailbox, "nobody@example.com")
    try:
        locked, used = await contact.link(1), await contact.link(2)

        guessed = f"/portal/l/{secrets.token_urlsafe(32)}"
        for path in (guessed, f"{guessed}/letter", f"{guessed}/letter.pdf"):
            status, html = await stranger.page(path)
            assert status == 404 and "链接无效" in html
        for path in (f"{locked}/letter", f"{locked}/letter.pdf"):  # not verified
            status, html = await stranger.page(path)
            assert status == 403 and number not in html and "%PDF" not in html

        expires = contact_link_expiry(await api(firm, f"/api/v1/confirmations/{first}/history"))
        clock.current = expires
        status, html = await contact.page(locked)
        assert status == 410 and "链接已过期" in html
        clock.current = expires - timedelta(minutes=30)  # still good, for the codes below

        code = await contact.request_code(locked)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for left in (4, 3, 2, 1):
            status, html = await contact.enter_code(locked, wrong)
            assert status == 400 and f"还可尝试 {left} 次" in html and number not in html
        status, html = await contact.enter_code(locked, wrong)
        assert status == 410 and "链接已锁定" in html
        status, html = await contact.enter_code(locked, code)  # the right code, too late
        assert status == 410 and number not in html
        status, html = await contact.page(locked)
        assert status == 410 and "链接已锁定" in html

        html = await contact.open_letter(used)
        status, _ = await contact.post(f"{used}/reply", {"answer": "agreed"})  # no CSRF
        assert status == 400 and (await api(firm, f"/api/v1/confirmations/{second}")
                                  )["status"] == "delivered"
        status, _ = await contact.reply(used, html, {"answer": "agreed", "csrf": csrf(html)})
        assert status == 200
        for path in (used, f"{used}/letter", f"{used}/letter.pdf"):
            status, html = await contact.page(path)
            assert status == 410 and number not in html

    finally:
        await contact.close()
        await stranger.close()

    c = await api(firm, f"/api/v1/confirmations/{first}")
    assert c["status"] == "delivered" and any("门户链接已锁定" in w for w in c["warnings"])
    history = (await api(firm, f"/api/v1/confirmations/{first}/history"))["items"]
    kinds = [h["event_type"] for h in history if h["event_type"].startswith("portal.")]
    assert kinds == ["portal.link_sent", "portal.code_sent"] + ["portal.code_rejected"] * 4 + [
        "portal.locked"]


def contact_link_expiry(history: dict[str, Any]) -> datetime:
    """When the letter's link expires, as its history says (UTC+8)."""
    import re

    sent = next(h for h in history["items"] if h["event_type"] == "portal.link_sent")
    found = re.search(r"有效期至 (\d{4}-\d\d-\d\d \d\d:\d\d) \(UTC\+8\)", sent["reason"])
    assert found is not None
    local = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M")
    return (local - timedelta(hours=8)).replace(tzinfo=UTC)

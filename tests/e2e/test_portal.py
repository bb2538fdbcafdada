"""Company letters through the portal end to end: a real SMTP server reads the e-mails, a
contact follows their links over HTTP, confirms or lists differences, and the firm sees the
sealed reply, its exceptions and its workpaper."""

from __future__ import annotations

import asyncio
import hashlib
import io
import subprocess
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from hub.evidence import verify_bundle
from tests.conftest import unique
from tests.e2e.conftest import Firm, Hub, make_firm, start_hub
from tests.e2e.portal_support import Contact, Mailbox, portal_hub
from tests.e2e.test_letters import submit_authorised, wait_status


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, mailbox: Mailbox) -> AsyncIterator[Hub]:
    async with portal_hub(stack, tmp_path, mailbox) as h:
        yield h


def contact_email(firm: Firm) -> str:
    return f"confirm-{firm.counterparty[1].lower()}@example.com"


async def delivered_letter(firm: Firm, mode: str = "positive") -> tuple[str, dict[str, Any]]:
    body = firm.letter("company_receivable", scope=unique("scope"))
    body["letter"]["mode"] = mode
    cid = (await submit_authorised(firm, body))["id"]
    got = await wait_status(firm, cid, "delivered", within=60)
    assert got["status"] == "delivered", got
    return cid, body["letter"]


async def api(firm: Firm, path: str) -> Any:
    async with firm.hub.client(firm.key) as http:
        resp = await http.get(path)
        assert resp.status == 200, await resp.text()
        if resp.content_type == "application/json":
            return await resp.json()
        return await resp.read()


async def wait_document(firm: Firm, cid: str, name: str) -> bytes:
    """A document of the confirmation (workpaper.pdf, evidence.zip), once the worker made it."""
    async with firm.hub.client(firm.key) as http:
        for _ in range(600):
            resp = await http.get(f"/api/v1/confirmations/{cid}/{name}")
            if resp.status == 200:
                return await resp.read()
            await asyncio.sleep(0.1)
    raise AssertionError(f"no {name} for {cid}")


async def workpaper_pdf(firm: Firm, cid: str) -> bytes:
    """The workpaper, once the worker has made it."""
    return await wait_document(firm, cid, "workpaper.pdf")


async def hub_seal_check(hub: Hub, pdf: bytes) -> Any:
    """The reply's signature checked against the development PKI's roots (its binding too)."""
    from adapters.pdf_letters import SignedReplyChecker

    keyring = hub.container.dev_keyring

    async def trust() -> tuple[Any, Any]:
        return (await keyring.pki()).trust_roots(), await keyring.crls()

    return await SignedReplyChecker(trust).check(pdf)


def pdf_text(data: bytes) -> str:
    """The PDF's text (pdftotext), without white space: phrases wrapped across lines read
    whole."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return "".join(text.split())


async def test_a_company_confirms_through_the_portal_and_the_firm_gets_a_sealed_reply(
        hub: Hub, mailbox: Mailbox) -> None:
    firm = await make_firm(hub)
    cid, letter = await delivered_letter(firm)
    contact = Contact.of(hub, mailbox, contact_email(firm))
    try:
        path = await contact.link()
        status, landing = await contact.page(path)
        assert status == 200 and "c***@example.com" in landing
        assert letter["letter_number"] not in landing  # nothing of the letter before the code

        html = await contact.open_letter(path)
        assert letter["letter_number"] in html and "1865320.00" in html
        status, pdf = await contact.download(f"{path}/letter.pdf")
        signed = await api(firm, f"/api/v1/confirmations/{cid}")
        assert status == 200 and hashlib.sha256(pdf).hexdigest() == signed["letter_sha256"]

        contact.http.headers["X-Forwarded-For"] = "203.0.113.9"  # not believed: no proxy
        status, done = await contact.reply(path, html, {"answer": "agreed"})
        assert status == 200 and "回函已提交" in done, done

        status, again = await contact.page(f"{path}/letter")
        assert status == 410 and letter["letter_number"] not in again
    finally:
        await contact.close()

    c = await wait_status(firm, cid, "verified", within=60)
    assert c["status"] == "verified" and c["exception_count"] == 0
    workpaper = pdf_text(await workpaper_pdf(firm, cid))
    assert "信息证明无误" in workpaper or "相符" in workpaper
    replies = await api(firm, f"/api/v1/confirmations/{cid}/replies")
    assert [r["status"] for r in replies["items"]] == ["accepted"]
    assert replies["items"][0]["conclusion"] == "agreed" and replies["exceptions"] == []
    reply_pdf = await api(firm, f"/api/v1/confirmations/{cid}/reply.pdf")
    sealed = await hub_seal_check(hub, reply_pdf)
    assert sealed.problems == () and "电子函证中心" in (sealed.signer or "")
    assert sealed.binding["letter_number"] == letter["letter_number"]
    assert sealed.binding["letter_sha256"] == c["letter_sha256"]
    text = pdf_text(reply_pdf)
    assert "信息证明无误" in text and contact_email(firm) in text
    assert "127.0.0.1" in text and "(iPhone)TestPhone" in text  # from where, with what
    assert "203.0.113.9" not in text
    assert letter["letter_number"] in text


async def test_a_link_mail_refused_for_a_while_is_sent_once_with_one_link(
        hub: Hub, mailbox: Mailbox) -> None:
    mailbox.refuse = 2  # 451 twice: the delivery is retried
    firm = await make_firm(hub)
    cid, _ = await delivered_letter(firm)
    assert mailbox.refused == 2
    links = [m for m in mailbox.to(contact_email(firm)) if "企业询证函" in str(m["Subject"])]
    assert len(links) == 1
    history = (await api(firm, f"/api/v1/confirmations/{cid}/history"))["items"]
    assert [h["to_status"] for h in history if h.get("to_status") == "delivered"] == \
        ["delivered"]
    assert len([h for h in history if h["event_type"] == "portal.link_sent"]) == 1


@pytest.mark.parametrize("stack", ["postgres+rabbitmq"], indirect=True)
async def test_differences_with_the_companys_own_figures_become_exactly_its_exceptions(
        hub: Hub, mailbox: Mailbox) -> None:
    firm = await make_firm(hub)
    cid, _ = await delivered_letter(firm)
    contact = Contact.of(hub, mailbox, contact_email(firm))
    figures = {"row-0-owed_by_you": "1,865,000.00", "row-1-owed_by_you": "48000.00",
               "row-1-owed_to_you": "12000"}
    try:
        path = await contact.link()
        html = await contact.open_letter(path)
        # A file that is not what its name says, and one too big: refused, nothing kept.
        status, page = await contact.reply(path, html, {
            "answer": "differences", "explanation": "在途货款", **figures},
            files=(("发票.pdf", b"MZ not a pdf", "application/pdf"),))
        assert status == 422 and "不是 PDF、JPEG 或 PNG" in page
        assert "1,865,000.00" in page  # what they typed is kept for the next try
        big = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024)
        status, page = await contact.reply(path, html, {"answer": "differences", **figures},
                                           files=(("big.pdf", big, "application/pdf"),))
        assert status == 413 and "超过 5 MB" in page
        status, page = await contact.reply(path, html, {"answer": "differences", **figures})
        assert status == 422 and "请说明不符的原因" in page
        status, page = await contact.reply(path, html, {
            "answer": "differences", "explanation": "在途货款 \U0001F600", **figures})
        assert status == 422 and "无法打印在回函上" in page
        status, page = await contact.reply(path, html, {"answer": "agreed", **figures})
        assert status == 422 and "信息证明无误" in page and "不符" in page
        assert (await api(firm, f"/api/v1/confirmations/{cid}"))["status"] == "delivered"

        receipt = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
        status, done = await contact.reply(path, html, {
            "answer": "differences",
            "explanation": "12 月 31 日在途货款 320 元；预收服务费已冲减 500 元",
            **figures}, files=(("回单.png", receipt, "image/png"),))
        assert status == 200 and "2 处金额不符" in done, done
    finally:
        await contact.close()

    c = await wait_status(firm, cid, "verified", within=60)
    assert c["exception_count"] == 2
    replies = await api(firm, f"/api/v1/confirmations/{cid}/replies")
    assert replies["items"][0]["conclusion"] == "differences"
    assert [(e["item"], e["row"], e["field"], e["book_value"], e["confirmed_value"],
             e["difference"]) for e in replies["exceptions"]] == [
        ("rows", 0, "owed_by_you", "1865320.00", "1865000.00", "-320.00"),
        ("rows", 1, "owed_to_you", "12500.00", "12000.00", "-500.00"),
    ]
    text = pdf_text(await api(firm, f"/api/v1/confirmations/{cid}/reply.pdf"))
    assert "信息不符" in text and "1,865,000.00" in text and "-320.00" in text
    assert "回单.png" in text and hashlib.sha256(receipt).hexdigest()[:30] in text
    assert sum(Decimal(e["difference"]) for e in replies["exceptions"]) == Decimal("-820.00")
    # the supporting file travels in the evidence bundle, sealed with the rest
    bundle = await wait_document(firm, cid, "evidence.zip")
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.read("attachments/01.png") == receipt
    report = await verify_bundle(bundle)
    assert report.ok, [str(p) for p in report.problems]


@pytest.mark.parametrize("stack", ["sqlite+embedded"], indirect=True)
async def test_a_redelivered_dispatch_sends_the_same_link_and_records_delivery_once(
        hub: Hub, mailbox: Mailbox) -> None:
    from hub.ports import Envelope

    firm = await make_firm(hub)
    cid, _ = await delivered_letter(firm)
    contact = Contact.of(hub, mailbox, contact_email(firm))
    try:
        first = await contact.link(1)
        async with hub.container.uow_factory() as uow:
            [link] = await uow.portal_links.of(cid)
        # The broker hands the message over again (say the worker died after the SMTP server
        # took the mail, before its commit): same message id, so the same link.
        delivery = await hub.container.portal_delivery()
        envelope = Envelope(message_id=link.message_id, type="letter.dispatched",
                            occurred_at=link.created_at.isoformat(),
                            data={"confirmation_id": cid, "channel": "portal"})
        async with hub.container.uow_factory() as uow:
            await delivery(envelope, uow)
            await uow.commit()
        assert await contact.link(2) == first
    finally:
        await contact.close()
    async with hub.container.uow_factory() as uow:
        assert len(await uow.portal_links.of(cid)) == 1
    history = (await api(firm, f"/api/v1/confirmations/{cid}/history"))["items"]
    assert len([h for h in history if h.get("to_status") == "delivered"]) == 1


@pytest.mark.parametrize("stack", ["sqlite+embedded"], indirect=True)
async def test_without_an_smtp_server_the_letter_is_parked_with_the_reason(
        stack: tuple[str, str], tmp_path: Any) -> None:
    hub = await start_hub(*stack, tmp_path, letter_signature_level="B-T")
    try:
        firm = await make_firm(hub)
        body = firm.letter("company_receivable", scope=unique("scope"))
        cid = (await submit_authorised(firm, body))["id"]
        for _ in range(600):
            history = (await api(firm, f"/api/v1/confirmations/{cid}/history"))["items"]
            failed = [h for h in history if h["event_type"] == "letter.delivery_failed"]
            if failed:
                break
            await asyncio.sleep(0.1)
        assert failed and "smtp_host" in failed[0]["reason"]
        assert (await api(firm, f"/api/v1/confirmations/{cid}"))["status"] == "dispatched"
        parked = await hub.container.parking_store().list(limit=10)
        assert [p.queue for p in parked] == ["adapter.portal"]
    finally:
        await hub.runtime.stop()


@pytest.mark.parametrize("stack", ["sqlite+embedded"], indirect=True)
async def test_behind_a_trusted_proxy_the_reply_records_the_forwarded_address(
        stack: tuple[str, str], tmp_path: Any, mailbox: Mailbox) -> None:
    async with portal_hub(stack, tmp_path, mailbox, trusted_proxies="127.0.0.1") as hub:
        firm = await make_firm(hub)
        cid, _ = await delivered_letter(firm)
        contact = Contact.of(hub, mailbox, contact_email(firm))
        try:
            path = await contact.link()
            html = await contact.open_letter(path)
            contact.http.headers["X-Forwarded-For"] = "198.51.100.1, 203.0.113.9"
            status, done = await contact.reply(path, html, {"answer": "agreed"})
            assert status == 200, done
        finally:
            await contact.close()
        await wait_status(firm, cid, "verified", within=60)
        text = pdf_text(await api(firm, f"/api/v1/confirmations/{cid}/reply.pdf"))
        assert "203.0.113.9" in text and "198.51.100.1" not in text  # the proxy's hop only

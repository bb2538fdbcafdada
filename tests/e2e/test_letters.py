"""The letter stage end to end: authorisation (授权) by the audited entity, the signed letter."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from hub.domain.model import Confirmation
from tests.e2e.conftest import Firm, Hub, make_firm, running_hub


def tiny_pdf(note: str) -> bytes:
    """A one blank page PDF that any reader opens (header, catalog, page tree, page, a
    cross-reference table with the true offsets), ``note`` in a comment after the header."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(b"%PDF-1.7\n% " + note.encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


class RecordingLetterMaker:
    """A stand-in for the PDF letter maker (hub.ports.LetterMaker): a tiny, unsigned but
    readable PDF per letter, so that a verified letter's workpaper and evidence bundle (which
    read it) are made as with real letters."""

    def __init__(self) -> None:
        self.made: list[str] = []

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        self.made.append(confirmation.id)
        return tiny_pdf(f"{confirmation.letter_number} {client_name} {firm_name}")


@pytest.fixture
async def maker() -> RecordingLetterMaker:
    return RecordingLetterMaker()


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, maker: RecordingLetterMaker
              ) -> AsyncIterator[Hub]:
    async with running_hub(*stack, tmp_path, letter_maker=maker) as h:
        yield h


async def submitted(firm: Firm) -> dict[str, Any]:
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", json=firm.letter("bank_format1"))
        assert resp.status == 201, await resp.text()
        return dict(await resp.json())


async def wait_status(firm: Firm, cid: str, status: str, within: float = 20.0) -> dict[str, Any]:
    async with firm.hub.client(firm.key) as http:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            body = dict(await (await http.get(f"/api/v1/confirmations/{cid}")).json())
            if body["status"] == status or loop.time() > deadline:
                return body
            await asyncio.sleep(0.05)


async def client_signer(firm: Firm) -> str:
    async with firm.hub.client(firm.key) as http:
        engagement = await (await http.get(f"/api/v1/engagements/{firm.engagement_id}")).json()
    return await firm.hub.key(engagement["client_org_id"], "client_signer")


async def submit_authorised(firm: Firm, body: dict[str, Any]) -> dict[str, Any]:
    """Submit `body` and authorise it as the audited entity; the submitted confirmation."""
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", json=body)
        assert resp.status == 201, await resp.text()
        submitted = dict(await resp.json())
    await wait_status(firm, submitted["id"], "awaiting_authorisation")
    async with firm.hub.client(await client_signer(firm)) as http:
        resp = await http.post(f"/api/v1/confirmations/{submitted['id']}/authorization")
        assert resp.status == 200, await resp.text()
    return submitted


async def test_the_audited_entity_authorises_and_the_signed_letter_is_made(
    hub: Hub, maker: RecordingLetterMaker
) -> None:
    firm = await make_firm(hub)
    c = await submitted(firm)
    assert (await wait_status(firm, c["id"], "awaiting_authorisation"))["status"] == \
        "awaiting_authorisation"
    async with hub.client(firm.key) as http:
        early = await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")
        assert early.status == 404  # nothing is made before authorisation
    signer = await client_signer(firm)
    async with hub.client(signer) as http:
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/authorization")
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["status"] == "authorised"
        again = await http.post(f"/api/v1/confirmations/{c['id']}/authorization")
        assert again.status == 409
    ready = await wait_status(firm, c["id"], "dispatched")
    assert ready["status"] == "dispatched"
    assert maker.made == [c["id"]]
    async with hub.client(firm.key) as http:
        pdf = await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")
        assert pdf.status == 200 and pdf.content_type == "application/pdf"
        body = await pdf.read()
        history = await (await http.get(f"/api/v1/confirmations/{c['id']}/history")).json()
    assert body.startswith(b"%PDF") and c["letter"]["letter_number"].encode() in body
    assert ready["letter_sha256"] == hashlib.sha256(body).hexdigest()
    assert ready["authorised_at"] is not None
    steps = [(h.get("to_status"), h["actor"]) for h in history["items"][1:]
             if h["event_type"] == "confirmation.status_changed"]
    assert [s for s, _ in steps] == [
        "awaiting_authorisation", "authorised", "letter_ready", "dispatched"]
    assert steps[1][1].startswith("client_signer:")


async def test_only_the_audited_entitys_signer_may_authorise(hub: Hub) -> None:
    firm = await make_firm(hub)
    c = await submitted(firm)
    await wait_status(firm, c["id"], "awaiting_authorisation")
    other_firm = await make_firm(hub)
    others_signer = await client_signer(other_firm)
    async with hub.client(firm.key) as http:  # the firm itself: it sees the letter, may not
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/authorization")
        assert resp.status == 404
        assert (await resp.json(content_type=None))["detail"] == "no such resource"
    async with hub.client(others_signer) as http:  # another company: not even there
        assert (await http.post(f"/api/v1/confirmations/{c['id']}/authorization")).status == 404
    company_key = await hub.key(firm.counterparty[0], "client_signer")
    async with hub.client(company_key) as http:  # the responder company is not the client
        assert (await http.post(f"/api/v1/confirmations/{c['id']}/authorization")).status == 404
    assert (await wait_status(firm, c["id"], "awaiting_authorisation", within=0.5))[
        "status"] == "awaiting_authorisation"


async def test_a_closed_authorisation_window_is_refused_and_expires(hub: Hub) -> None:
    firm = await make_firm(hub)
    c = await submitted(firm)
    await wait_status(firm, c["id"], "awaiting_authorisation")
    async with hub.container.engine.begin() as conn:
        await conn.execute(text(
            "UPDATE confirmations SET authorisation_due = '2020-01-02' WHERE id = :id"
        ), {"id": c["id"]})
    signer = await client_signer(firm)
    async with hub.client(signer) as http:
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/authorization")
        assert resp.status == 409
        assert "2020-01-02" in (await resp.json(content_type=None))["detail"]
    expired = await wait_status(firm, c["id"], "expired")
    assert expired["status"] == "expired"
    async with hub.client(firm.key) as http:
        assert (await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")).status == 404

"""A bank that pulls its inbox: receipt, return (退函), signed replies and their checks."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest

from hub.cli.seeding import admin_caller, operator_id, verified_responder
from hub.documents import render_reply_document
from hub.domain.commands import ChangeResponder, VerifyResponder
from signing import Level, SignJob, sign_off_loop
from tests.conftest import unique
from tests.e2e.conftest import Firm, Hub, make_firm, new_uscc, running_hub
from tests.e2e.test_letters import RecordingLetterMaker, submit_authorised, wait_status
from tests.e2e.test_portal import wait_document


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any) -> AsyncIterator[Hub]:
    async with running_hub(*stack, tmp_path, letter_maker=RecordingLetterMaker()) as h:
        yield h


class Bank:
    """A bank registered with its reply certificate, and its bank_operator key."""

    def __init__(self, hub: Hub, org_id: str, uscc: str, key: str) -> None:
        self.hub, self.org_id, self.uscc, self.key = hub, org_id, uscc, key

    @classmethod
    async def register(cls, hub: Hub, name: str = "京华商业银行北京分行") -> Bank:
        uscc = new_uscc()
        keyring = hub.container.dev_keyring
        pki = await keyring.pki()
        entry = await verified_responder(hub.container, kind="bank", name=name, uscc=uscc)
        _, alias = await keyring.key_for(entry.org_id, name)  # issue its certificate
        pem = pki.certificate_path(alias).read_text()
        op = await operator_id(hub.container)
        changed = await hub.container.bus.handle(ChangeResponder(
            caller=admin_caller(op, "test-maker"), responder_id=entry.id,
            version=entry.version, changes={"certificates": [pem]}))
        await hub.container.bus.handle(VerifyResponder(
            caller=admin_caller(op, "test-checker"), responder_id=entry.id,
            version=changed.version))
        return cls(hub, entry.org_id, uscc, await hub.key(entry.org_id, "bank_operator"))

    async def signed(self, reply: dict[str, Any], *, signer_org: str | None = None) -> bytes:
        rendered = render_reply_document(reply, customer_name="北京堃喆昇科技有限公司")
        keyring = self.hub.container.dev_keyring
        store, alias = await keyring.key_for(signer_org or self.org_id, "京华商业银行北京分行")
        job = SignJob(store=store, alias=alias, level=Level.B_T, tsa=await keyring.tsa(),
                      field_name="BankSeal", reason="回函", crls=(), allow_fetching=False)
        return await sign_off_loop(rendered.pdf, job)

    def client(self) -> aiohttp.ClientSession:
        return self.hub.client(self.key)


def reply_for(item: dict[str, Any], *, differences: list[dict[str, Any]] | None = None,
              letter_sha256: str | None = None) -> dict[str, Any]:
    return {
        "format_version": "v1", "letter_number": item["letter_number"],
        "letter_sha256": letter_sha256 or item["letter_sha256"],
        "letter_type": item["letter_type"], "as_of_date": item["as_of_date"],
        "bank": {"name": "京华商业银行股份有限公司北京分行", "uscc": "91110000MA00BK7Q0G",
                 "bank_code": "313100000013"},
        "replied_on": date(2026, 1, 9).isoformat(),
        "conclusion": "differences" if differences else "agreed",
        "differences": differences or [], "other_matters": "",
        "handled_by": {"name": "赵敏", "title": "对公客户经理", "phone": "010-8888 1234"},
        "reviewed_by": {"name": "钱峰", "title": "运营主管", "phone": "010-8888 1200"},
    }


async def dispatched_letter(firm: Firm, bank: Bank) -> dict[str, Any]:
    """A 格式一 letter to `bank`, authorised, made and dispatched; its inbox item."""
    letter = firm.letter("bank_format1", scope=unique("scope"))
    letter["letter"]["responder"]["uscc"] = bank.uscc
    cid = (await submit_authorised(firm, letter))["id"]
    assert (await wait_status(firm, cid, "dispatched"))["status"] == "dispatched"
    async with bank.client() as http:
        item = await (await http.get(f"/api/v1/inbox/{cid}")).json()
    return dict(item)


async def upload(bank: Bank, cid: str, pdf: bytes, data: dict[str, Any] | None
                 ) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("reply.pdf", pdf, content_type="application/pdf", filename="reply.pdf")
    if data is not None:
        import json

        form.add_field("reply.json", json.dumps(data, ensure_ascii=False),
                       content_type="application/json", filename="reply.json")
    async with bank.client() as http:
        resp = await http.post(f"/api/v1/inbox/{cid}/reply", data=form)
        await resp.read()
        return resp


async def replies(firm: Firm, cid: str, until: str, within: float = 30) -> dict[str, Any]:
    """The confirmation's replies once the newest is no longer waiting for its checks."""
    async with firm.hub.client(firm.key) as http:
        for _ in range(int(within / 0.1)):
            body = dict(await (await http.get(f"/api/v1/confirmations/{cid}/replies")).json())
            if body["items"] and body["items"][-1]["status"] == until:
                return body
            await asyncio.sleep(0.1)
    return body


async def test_a_pulled_letter_is_answered_and_verified_with_the_banks_differences(
        hub: Hub) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    cid = item["id"]
    assert "book_values" not in item["letter"]
    async with bank.client() as http:
        waiting = (await (await http.get("/api/v1/inbox")).json())["items"]
        pdf = await (await http.get(f"/api/v1/inbox/{cid}/letter.pdf")).read()
        got = await (await http.post(f"/api/v1/inbox/{cid}/receipt", json={})).json()
        again = await (await http.post(f"/api/v1/inbox/{cid}/receipt", json={})).json()
    assert [w["id"] for w in waiting] == [cid]
    assert hashlib.sha256(pdf).hexdigest() == item["letter_sha256"]
    assert got["status"] == "delivered" and got["reply_due"] and got["return_due"]
    assert again["received_at"] == got["received_at"]  # a second receipt changes nothing

    difference = {"item": "deposits", "row": 0, "field": "balance", "kind": "value",
                  "stated": item["letter"]["items"]["deposits"]["rows"][0]["balance"],
                  "confirmed": "8625400.00", "bank_row": None, "explanation": "余额不符"}
    data = reply_for(item, differences=[difference])
    signed = await bank.signed(data)
    first = await upload(bank, cid, signed, data)
    second = await upload(bank, cid, signed, data)
    assert first.status == 202 and second.status == 200  # the same reply once

    body = await replies(firm, cid, "accepted")
    assert [r["status"] for r in body["items"]] == ["accepted"], body
    assert body["items"][0]["checks"] == dict.fromkeys(
        ("signature_valid", "certificate_registered", "bound_to_letter"), True)
    assert body["exceptions"] == [{
        "item": "deposits", "row": 0, "field": "balance", "kind": "value",
        "book_value": "8625413.27", "confirmed_value": "8625400.00", "difference": "-13.27",
        "explanation": "余额不符"}]
    verified = await wait_status(firm, cid, "verified")
    assert verified["status"] == "verified" and verified["exception_count"] == 1


@pytest.mark.parametrize("when", ["before its check", "after its check"])
async def test_another_reply_for_an_answered_letter_is_refused_and_kept_as_evidence(
        hub: Hub, when: str) -> None:
    """A bank answering twice (say, killed before it recorded its first answer): the first
    reply counts, the second (other bytes) gets 409 and is kept, rejected; nothing is parked."""
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    cid = item["id"]
    data = reply_for(item)
    first = await upload(bank, cid, await bank.signed(data), data)
    assert first.status == 202
    if when == "after its check":
        assert (await wait_status(firm, cid, "verified"))["status"] == "verified"
    second = await upload(bank, cid, await bank.signed(data), data)  # signed again: other bytes
    problem = await second.json()
    assert second.status == 409 and "answered already" in problem["detail"], problem
    assert (await wait_status(firm, cid, "verified"))["status"] == "verified"
    body = await replies(firm, cid, "rejected")
    statuses = sorted(r["status"] for r in body["items"])
    assert statuses == ["accepted", "rejected"], body
    refused = next(r for r in body["items"] if r["status"] == "rejected")
    assert "answered already" in refused["reason"]
    # the first reply's workpaper and evidence bundle are made; only then is "nothing
    # parked" worth asserting (in either order of the second reply and the check)
    assert (await wait_document(firm, cid, "evidence.zip")).startswith(b"PK")
    assert await hub.container.parking_store().list(limit=10) == []


@pytest.mark.parametrize("fault", ["unregistered_certificate", "another_letter", "altered"])
async def test_a_reply_that_fails_its_checks_is_kept_and_rejected_with_the_reason(
        hub: Hub, fault: str) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    cid = item["id"]
    data = reply_for(item)
    if fault == "unregistered_certificate":
        signed = await bank.signed(data, signer_org=firm.org_id)  # a real key, not the bank's
        expected = "not registered"
    elif fault == "another_letter":
        other = await dispatched_letter(firm, bank)
        data = reply_for(item, letter_sha256=other["letter_sha256"])
        signed = await bank.signed(data)
        expected = "another letter"
    else:
        signed = bytearray(await bank.signed(data))
        at = signed.find(b"8888 1234")  # the phone number, inside the signed page content
        signed[at:at + 4] = b"9999"
        signed = bytes(signed)
        expected = ""
    resp = await upload(bank, cid, signed, data)
    assert resp.status == 202

    body = await replies(firm, cid, "rejected")
    assert [r["status"] for r in body["items"]] == ["rejected"], body
    assert expected in body["items"][0]["reason"]
    assert body["exceptions"] == []
    # which check failed, as the firm and its audit software read it
    assert body["items"][0]["checks"] == {
        "signature_valid": fault != "altered",
        "certificate_registered": fault != "unregistered_certificate",
        "bound_to_letter": fault != "another_letter"}
    async with firm.hub.client(firm.key) as http:
        c = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
        history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())
    assert c["status"] == "delivered"  # still waiting for a reply that counts
    assert "reply.rejected" in [h["event_type"] for h in history["items"]]


async def test_a_return_moves_the_letter_to_returned_with_the_reason(hub: Hub) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        resp = await http.post(f"/api/v1/inbox/{item['id']}/return", json={
            "reason_code": "fee_account_invalid", "reason": "扣费账号不是贵公司在本行的账户"})
        body = await resp.json()
    assert resp.status == 200 and body["status"] == "returned" and body["late"] is False
    returned = await wait_status(firm, item["id"], "returned")
    assert "[fee_account_invalid] 扣费账号不是贵公司在本行的账户" == returned["status_reason"]


async def test_another_banks_key_gets_404_on_the_inbox_item(hub: Hub) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    other = await Bank.register(hub, "另一家银行")
    item = await dispatched_letter(firm, bank)
    async with other.client() as http:
        for path in ("", "/letter.pdf"):
            assert (await http.get(f"/api/v1/inbox/{item['id']}{path}")).status == 404
        assert (await http.post(f"/api/v1/inbox/{item['id']}/receipt", json={})).status == 404
        assert (await (await http.get("/api/v1/inbox")).json())["items"] == []
    async with firm.hub.client(firm.key) as http:
        assert (await http.get("/api/v1/inbox")).status == 404


async def test_a_polling_bank_can_ask_only_for_letters_it_has_not_acknowledged(hub: Hub) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    cid = (await dispatched_letter(firm, bank))["id"]

    async def listed(which: str) -> list[str]:
        async with bank.client() as http:
            resp = await http.get("/api/v1/inbox", params={"status": which})
            assert resp.status == 200, await resp.text()
            return [i["id"] for i in (await resp.json())["items"]]

    assert await listed("new") == [cid] and await listed("waiting") == [cid]
    async with bank.client() as http:
        assert (await http.post(f"/api/v1/inbox/{cid}/receipt")).status == 200
    assert await listed("new") == [] and await listed("waiting") == [cid]
    async with bank.client() as http:
        resp = await http.get("/api/v1/inbox", params={"status": "fresh"})
        assert resp.status == 422 and "status" in await resp.text()

"""The reference bank (hub bank-sim's app) answering 格式一, 格式二 and 验资 letters: agreeing
books end verified with no exception; differences seeded in its ledger come back, exactly."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.bank_sim import (
    EXAMPLE_LEDGER,
    BankSigner,
    BankSimSettings,
    Ledger,
    create_bank_app,
)
from hub.cli.seeding import verified_responder
from tests.conftest import unique
from tests.e2e.conftest import Firm, Hub, make_firm
from tests.e2e.test_letters import submit_authorised, wait_status

LetterChange = Callable[[dict[str, Any]], None]


async def start_bank(hub: Hub, folder: Path, change: LetterChange | None = None
                     ) -> web.AppRunner:
    """The bank beside the hub, pulling its inbox; `change` edits its ledger's customer."""
    raw = json.loads(EXAMPLE_LEDGER.read_text("utf-8"))
    if change is not None:
        change(next(iter(raw["customers"].values())))
    folder.mkdir(parents=True, exist_ok=True)
    ledger_path = folder / "ledger.json"
    ledger_path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    ledger = Ledger.load(ledger_path)
    pki_dir = Path(hub.container.settings.data_dir) / "pki"
    await hub.container.dev_keyring.pki()
    signer = BankSigner.from_pki(pki_dir, "bank-sim", bank_name=ledger.bank.name,
                                 bank_uscc=ledger.bank.uscc)
    entry = await verified_responder(
        hub.container, kind="bank", name=ledger.bank.name, uscc=ledger.bank.uscc,
        bank_code=ledger.bank.bank_code, certificates=(signer.certificate_pem,))
    app = create_bank_app(BankSimSettings(
        hub_url=hub.base, api_key=await hub.key(entry.org_id, "bank_operator"),
        pki_dir=pki_dir, data_dir=folder / "state", ledger=ledger_path,
        signer_alias="bank-sim", poll_seconds=0.2))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


@pytest.fixture
async def customer_firm(hub: Hub) -> Firm:
    customer = next(iter(Ledger.load(EXAMPLE_LEDGER).customers.values()))
    return await make_firm(hub, client=(customer.name, customer.uscc))


async def answered(firm: Firm, letter_type: str, **letter_changes: Any) -> dict[str, Any]:
    body = firm.letter(letter_type, scope=unique("scope"))
    body["letter"]["responder"]["uscc"] = "91110000MA00BK7Q0G"
    body["letter"].update(letter_changes)
    cid = (await submit_authorised(firm, body))["id"]
    done = await wait_status(firm, cid, "verified", within=90)
    async with firm.hub.client(firm.key) as http:
        replies = await (await http.get(f"/api/v1/confirmations/{cid}/replies")).json()
    return {**done, "exceptions": replies["exceptions"], "replies": replies["items"]}


async def test_agreeing_books_end_verified_without_exceptions(
        hub: Hub, customer_firm: Firm, tmp_path: Path) -> None:
    bank = await start_bank(hub, tmp_path / "bank")
    try:
        for letter_type in ("bank_format1", "bank_format2", "bank_capital"):
            done = await answered(customer_firm, letter_type)
            assert done["status"] == "verified", (letter_type, done["replies"])
            assert done["exceptions"] == [] and done["exception_count"] == 0, letter_type
    finally:
        await bank.cleanup()


def seeded(customer: dict[str, Any]) -> None:
    """Three differences: a USD balance, a loan rate, and an account the books lack."""
    deposits = customer["deposits"]
    usd = next(r for r in deposits if r["account_number"] == "0200004538000210457")
    usd["balance"] = "136800.00"
    loan = next(r for r in customer["loans"] if r["loan_account_number"] ==
                "0200004527100031880")
    loan["interest_rate"] = "3.25"
    extra = copy.deepcopy(usd)
    extra.update(account_number="0200004538000999999", balance="5000.00", currency="USD")
    deposits.append(extra)


async def test_exactly_the_differences_seeded_at_the_bank_come_back(
        hub: Hub, customer_firm: Firm, tmp_path: Path) -> None:
    bank = await start_bank(hub, tmp_path / "bank", seeded)
    try:
        first = await answered(customer_firm, "bank_format1")
        second = await answered(customer_firm, "bank_format2")
    finally:
        await bank.cleanup()
    assert sorted((e["item"], e["field"], e["kind"], e["book_value"], e["confirmed_value"])
                  for e in first["exceptions"] if e["kind"] == "value") == [
        ("deposits", "balance", "value", "136852.40", "136800.00"),
        ("loans", "interest_rate", "value", "3.10", "3.25")]
    extra = [e for e in first["exceptions"] if e["kind"] == "not_in_letter"]
    assert len(first["exceptions"]) == 3 and len(extra) == 1
    assert extra[0]["confirmed_value"]["account_number"] == "0200004538000999999"
    assert first["exception_count"] == 3
    # 格式二: the bank fills in the accounts the letter lists (the extra one is not among
    # them); the firm's private book values show the balance and the rate
    assert sorted((e["item"], e["field"], e["kind"]) for e in second["exceptions"]) == [
        ("deposits", "balance", "value"), ("loans", "interest_rate", "value")]
    balance = next(e for e in second["exceptions"] if e["field"] == "balance")
    assert balance["difference"] == "-52.40"


async def test_a_returned_letter_is_corrected_and_sent_again_linked_to_the_first(
        hub: Hub, customer_firm: Firm, tmp_path: Path) -> None:
    firm = customer_firm
    body = firm.letter("bank_format1", scope="all")
    body["letter"]["responder"]["uscc"] = "91110000MA00BK7Q0G"
    body["letter"]["fee_account"] = {"applicable": True, "account_name": "北京堃喆昇科技有限公司",
                                     "account_number": "0200009999999999999"}
    bank = await start_bank(hub, tmp_path / "bank")
    try:
        cid = (await submit_authorised(firm, body))["id"]
        returned = await wait_status(firm, cid, "returned", within=60)
        assert returned["status"] == "returned"
        assert returned["status_reason"].startswith("[fee_account_invalid]")

        corrected = firm.letter("bank_format1", scope="all", parent_id=cid)
        corrected["letter"]["responder"]["uscc"] = "91110000MA00BK7Q0G"
        again = await submit_authorised(firm, corrected)  # the same business key, free again
        assert again["parent_id"] == cid
        assert (await wait_status(firm, again["id"], "verified", within=90))["status"] == \
            "verified"
    finally:
        await bank.cleanup()


async def test_a_verified_letter_gets_a_sealed_workpaper_and_a_verifiable_bundle(
        hub: Hub, customer_firm: Firm, tmp_path: Path) -> None:
    from hub.evidence import verify_bundle
    from signing import devpki, validate_pdf

    bank = await start_bank(hub, tmp_path / "bank", seeded)
    try:
        done = await answered(customer_firm, "bank_format1")
    finally:
        await bank.cleanup()
    async with customer_firm.hub.client(customer_firm.key) as http:
        for _ in range(300):
            resp = await http.get(f"/api/v1/confirmations/{done['id']}/workpaper.pdf")
            if resp.status == 200:
                break
            await asyncio.sleep(0.1)
        workpaper = await resp.read()
        bundle = await (await http.get(
            f"/api/v1/confirmations/{done['id']}/evidence.zip")).read()
    pki = devpki.load(Path(hub.container.settings.data_dir) / "pki")
    report = await validate_pdf(workpaper, trust_roots=pki.trust_roots(),
                                allow_fetching=False, crls=pki.crls())
    assert report.ok and [s.field_name for s in report.signatures] == ["HubSeal"]
    assert "电子函证中心" in report.signatures[0].signer
    checked = await verify_bundle(bundle)
    assert checked.ok, checked.problems
    names = {f.name for f in checked.files}
    assert {"letter.pdf", "reply.pdf", "workpaper.pdf", "reply.json"} <= names

    # audit software that pulls: the workpaper once, then nothing new
    async with customer_firm.hub.client(customer_firm.key) as http:
        page = await (await http.get("/api/v1/workpapers")).json()
        later = await (await http.get("/api/v1/workpapers",
                                      params={"since": page["next_since"]})).json()
        bad = await http.get("/api/v1/workpapers", params={"since": "-1"})
    assert [(i["confirmation_id"], i["exception_count"]) for i in page["items"]] == [
        (done["id"], 3)]
    assert page["items"][0]["sha256"] == hashlib.sha256(workpaper).hexdigest()
    assert later == {"items": [], "next_since": page["next_since"]}
    assert bad.status == 422
    other = await make_firm(hub)  # another firm sees none of it
    async with hub.client(other.key) as http:
        assert (await (await http.get("/api/v1/workpapers")).json())["items"] == []

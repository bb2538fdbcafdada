"""Every path and method of the served OpenAPI document, with every role, against the table."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from adapters.bank_sim import answer
from hub.api.access import ACCESS
from hub.cli.seeding import operator_id
from hub.domain.model import Role
from tests.bank_sim.support import BANK, CUSTOMER, ledger, raw_ledger, records
from tests.conftest import unique
from tests.e2e.conftest import Firm, Hub, make_firm, running_hub
from tests.e2e.test_bank_exchange import Bank, replies, reply_for, upload
from tests.e2e.test_letters import (
    RecordingLetterMaker,
    client_signer,
    submit_authorised,
    wait_status,
)

BOOK_VALUE = "8625413.27"
"""A figure only the format 2 letter's private book_values hold (not in the letter sent)."""
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any) -> AsyncIterator[Hub]:
    async with running_hub(*stack, tmp_path, letter_maker=RecordingLetterMaker()) as h:
        yield h


@dataclass
class World:
    """A real round trip: a 格式二 letter authorised, dispatched to a bank and answered."""

    keys: dict[str, str]
    """Keys by who holds them: the five roles and `other_firm` (an auditor of another firm)."""
    ids: dict[str, str]
    """Path ids by the first segment after /api/v1/ (engagements, confirmations, …)."""


async def round_trip(hub: Hub) -> World:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    body = firm.letter("bank_format2", scope=unique("scope"))
    body["letter"]["responder"]["uscc"] = bank.uscc
    cid = (await submit_authorised(firm, body))["id"]
    assert (await wait_status(firm, cid, "dispatched"))["status"] == "dispatched"
    async with bank.client() as http:
        item = await (await http.get(f"/api/v1/inbox/{cid}")).json()
        assert (await http.post(f"/api/v1/inbox/{cid}/receipt", json={})).status == 200
    data = reply_for(item)
    data["items"] = bank_answer(item)["items"]
    resp = await upload(bank, cid, await bank.signed(data), data)
    assert resp.status == 202, await resp.text()
    other = await make_firm(hub)
    async with hub.client(firm.key) as http:
        responders = await (await http.get("/api/v1/responders",
                                           params={"uscc": bank.uscc})).json()
    keys = {
        "auditor": firm.key,
        "firm_admin": await hub.key(firm.org_id, "firm_admin"),
        "client_signer": await client_signer(firm),
        "bank_operator": bank.key,
        "admin": await hub.key(await operator_id(hub.container), "admin"),
        "other_firm": other.key,
    }
    spare = await hub.key(firm.org_id, "auditor")
    return World(keys, {"engagements": firm.engagement_id, "confirmations": cid,
                        "inbox": cid, "responders": responders["items"][0]["id"],
                        "apikeys": spare.split("_")[1]})


def bank_answer(item: dict[str, Any]) -> dict[str, Any]:
    """What the simulated bank answers from its ledger, one balance off the firm's books (so
    the firm's exceptions carry a book value)."""
    raw = raw_ledger()
    records(raw)["deposits"][0]["balance"] = "8625113.27"
    sent = {**item["letter"], "responder": {**item["letter"]["responder"], "uscc": BANK}}
    return answer("bank_format2", sent, customer_uscc=CUSTOMER, ledger=ledger(raw),
                  letter_sha256=item["letter_sha256"], replied_on=date(2026, 1, 9))


def operations(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((m.upper(), path) for path, item in doc["paths"].items()
                  for m in METHODS if m in item)


def public(doc: dict[str, Any], method: str, path: str) -> bool:
    return doc["paths"][path][method.lower()].get("security") == []


def url(path: str, ids: dict[str, str], *, real: bool) -> str:
    """The path with a real id of its kind, or (for calls that would change it) a fresh one."""
    if "{id}" not in path:
        return path
    kind = path.split("/")[3]
    return path.replace("{id}", ids[kind] if real else str(uuid.uuid4()))


async def call(hub: Hub, key: str | None, method: str, target: str) -> tuple[int, str]:
    async with hub.client(key) as http:
        # An empty JSON object: a body no write route accepts, so an allowed write stops at
        # validation (422) and nothing changes; reads ignore it.
        kwargs: dict[str, Any] = {} if method == "GET" else {"json": {"reason": None}}
        resp = await http.request(method, target, **kwargs)
        return resp.status, (await resp.read()).decode("utf-8", "replace")


def role_of(holder: str) -> Role:
    return Role.AUDITOR if holder == "other_firm" else Role(holder)


async def test_every_operation_answers_every_role_as_the_table_says(hub: Hub) -> None:
    async with hub.client(None) as http:
        doc = await (await http.get("/api/v1/openapi.json")).json()
    ops = operations(doc)
    # Every operation is decided in the table, and the table names no route that is gone.
    private = {op for op in ops if not public(doc, *op)}
    assert private == set(ACCESS), (private ^ set(ACCESS))
    for method, path in private:  # and the document tells callers who may call what
        roles = doc["paths"][path][method.lower()]["x-roles"]
        assert roles == sorted(r.value for r in ACCESS[(method, path)])
    world = await round_trip(hub)

    for method, path in ops:
        target = url(path, world.ids, real=method == "GET")
        if public(doc, method, path):
            status, _ = await call(hub, None, method, target)
            assert status == 200, (method, path)
            continue
        assert (await call(hub, None, method, target))[0] == 401, (method, path)
        assert "401" in doc["paths"][path][method.lower()]["responses"], (method, path)
        for holder, key in world.keys.items():
            status, text = await call(hub, key, method, target)
            role = role_of(holder)
            where = (holder, method, path, status, text[:300])
            # The document names this very status, not only its catch-all `default`.
            assert str(status) in doc["paths"][path][method.lower()]["responses"], where
            if role not in ACCESS[(method, path)]:
                assert status == 404, where
                assert '"no such resource"' in text and BOOK_VALUE not in text, where
                continue
            assert status not in (401, 403, 405) and '"no such resource"' not in text, where
            if holder == "other_firm" and "{id}" in path and method == "GET" \
                    and "/responders" not in path:
                assert status == 404, where  # another tenant's object: not even there
            if holder in ("client_signer", "bank_operator", "admin"):
                assert BOOK_VALUE not in text and "book_values" not in text, where


async def test_the_firm_reads_its_letter_whole_and_the_audited_entity_a_minimal_view(
        hub: Hub) -> None:
    world = await round_trip(hub)
    cid = world.ids["confirmations"]
    async with hub.client(world.keys["auditor"]) as http:
        full = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
    assert full["letter"]["book_values"]["deposits"][0]["balance"] == BOOK_VALUE
    found = await replies(Firm(hub, "", world.keys["auditor"], "", ("", ""), ("", "")), cid,
                          "accepted")
    assert [e["book_value"] for e in found["exceptions"]] == [BOOK_VALUE]  # what others never see
    async with hub.client(world.keys["client_signer"]) as http:
        mine = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
        listed = await (await http.get("/api/v1/confirmations")).json()
        letter = await http.get(f"/api/v1/confirmations/{cid}/letter.pdf")
        assert letter.status == 200 and (await letter.read()).startswith(b"%PDF")
        for path in ("/replies", "/reply.pdf", "/history", "/procedures", "/workpaper.pdf",
                     "/evidence.zip"):
            assert (await http.get(f"/api/v1/confirmations/{cid}{path}")).status == 404
    assert mine["id"] == cid and mine["letter_number"] == full["letter_number"]
    assert mine["letter"]["responder"] == full["letter"]["responder"]
    assert "book_values" not in mine["letter"]
    assert not {"exception_count", "warnings", "status_reason", "second_requests"} & set(mine)
    assert [c["id"] for c in listed["items"]] == [cid]
    assert "exception_count" not in listed["items"][0]
    async with hub.client(world.keys["bank_operator"]) as http:
        item = await (await http.get(f"/api/v1/inbox/{cid}")).json()
        assert (await http.get(f"/api/v1/confirmations/{cid}")).status == 404
    assert "book_values" not in item["letter"]

"""The HTTP API end to end on SQLite + embedded broker and on PostgreSQL + RabbitMQ."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import text

from tests.e2e.conftest import LETTER_TYPES, Firm, Hub, make_firm, new_uscc

PROBLEM = "application/problem+json"


async def counts(hub: Hub) -> dict[str, int]:
    out = {}
    async with hub.container.engine.connect() as conn:
        for table in ("confirmations", "outbox", "event_log", "confirmation_amounts"):
            out[table] = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
    return out


async def wait_status(firm: Firm, cid: str, status: str, within: float = 20.0) -> dict[str, Any]:
    async with firm.hub.client(firm.key) as http:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            body = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
            if body["status"] == status or loop.time() > deadline:
                return body
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
async def test_each_letter_type_is_accepted_and_read_back(firm: Firm, letter_type: str) -> None:
    body = firm.letter(letter_type)
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", json=body)
        assert resp.status == 201, await resp.text()
        created = await resp.json()
        assert resp.headers["Location"] == f"/api/v1/confirmations/{created['id']}"
        got = await (await http.get(f"/api/v1/confirmations/{created['id']}")).json()
    assert got["letter"] == body["letter"]
    assert got["letter_type"] == letter_type
    assert got["as_of_date"] == body["letter"]["as_of_date"]
    assert got["letter_number"] == body["letter"]["letter_number"]
    # The jobs worker takes it from draft to waiting for the client's authorisation.
    settled = await wait_status(firm, created["id"], "awaiting_authorisation")
    assert settled["status"] == "awaiting_authorisation"
    assert settled["authorisation_due"] > settled["as_of_date"]


def _del(path: list[str]):
    def change(body: dict[str, Any]) -> None:
        target = body
        for p in path[:-1]:
            target = target[p]
        del target[path[-1]]
    return change


def _set(path: list[Any], value: Any):
    def change(body: dict[str, Any]) -> None:
        target = body
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
    return change


def _first_money_row(body: dict[str, Any]) -> tuple[list[Any], str]:
    """Path to the first deposit row and its balance field name in the 格式一 example."""
    rows = body["letter"]["items"]["deposits"]["rows"]
    assert rows, "the 格式一 example must have a deposit row"
    money_field = next(k for k, v in rows[0].items() if isinstance(v, str) and k == "balance")
    return ["letter", "items", "deposits", "rows", 0], money_field


BAD_BODIES = {
    "no_as_of_date": (_del(["letter", "as_of_date"]), "/letter/as_of_date"),
    "two_as_of_dates_as_list": (
        _set(["letter", "as_of_date"], ["2025-12-31", "2026-06-30"]), "/letter/as_of_date"
    ),
    "unknown_field_in_item_row": (
        _set(["letter", "items", "deposits", "rows", 0, "surprise"], "x"),
        "/letter/items/deposits/rows/0/surprise",
    ),
    "bad_uscc_check_digit": (None, "/letter/responder/uscc"),
    "amount_as_json_number": (None, "/letter/items/deposits/rows/0/balance"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_bad_letters_are_refused_naming_the_field_and_nothing_is_written(
    firm: Firm, case: str
) -> None:
    body = firm.letter("bank_format1")
    change, field = BAD_BODIES[case]
    if case == "bad_uscc_check_digit":
        uscc = body["letter"]["responder"]["uscc"]
        wrong = "0" if uscc[-1] != "0" else "1"
        body["letter"]["responder"]["uscc"] = uscc[:-1] + wrong
    elif case == "amount_as_json_number":
        row, name = _first_money_row(body)
        _set([*row, name], 1234567.89)(body)
    else:
        change(body)
    before = await counts(firm.hub)
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", json=body)
        problem = await resp.json(content_type=None)
    assert 400 <= resp.status < 500
    assert resp.content_type == PROBLEM
    assert field in [e["field"] for e in problem["errors"]], problem
    assert await counts(firm.hub) == before


async def test_duplicate_as_of_date_key_in_raw_json_is_refused(firm: Firm) -> None:
    body = firm.letter("bank_format1")
    raw = json.dumps(body, ensure_ascii=False)
    date = body["letter"]["as_of_date"]
    doubled = raw.replace(
        f'"as_of_date": "{date}"', f'"as_of_date": "{date}", "as_of_date": "2026-06-30"', 1
    )
    assert doubled != raw
    before = await counts(firm.hub)
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", data=doubled.encode(),
                               headers={"Content-Type": "application/json"})
        problem = await resp.json(content_type=None)
    assert resp.status == 422 and resp.content_type == PROBLEM
    assert "/letter/as_of_date" in [e["field"] for e in problem["errors"]]
    assert await counts(firm.hub) == before


async def test_body_over_the_limit_is_refused(firm: Firm) -> None:
    body = firm.letter("bank_format1")
    body["letter"]["items"]["other"] = {"applicable": True, "text": "长" * 600_000}
    before = await counts(firm.hub)
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", json=body)
        problem = await resp.json(content_type=None)
    assert resp.status == 413 and resp.content_type == PROBLEM
    assert problem["errors"][0]["field"] == "body"
    assert await counts(firm.hub) == before


async def test_wrong_content_type_is_refused(firm: Firm) -> None:
    body = firm.letter("bank_format1")
    before = await counts(firm.hub)
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", data=json.dumps(body),
                               headers={"Content-Type": "text/plain"})
        problem = await resp.json(content_type=None)
    assert resp.status == 415 and resp.content_type == PROBLEM
    assert problem["errors"][0]["field"] == "Content-Type"
    assert await counts(firm.hub) == before


async def test_idempotency_key(firm: Firm) -> None:
    body = firm.letter("bank_format1")
    async with firm.hub.client(firm.key) as http:
        h = {"Idempotency-Key": "req-42"}
        first = await http.post("/api/v1/confirmations", json=body, headers=h)
        second = await http.post("/api/v1/confirmations", json=body, headers=h)
        assert first.status == 201 and second.status == 200
        assert (await first.json())["id"] == (await second.json())["id"]
        assert second.headers["Idempotent-Replayed"] == "true"
        other = firm.letter("bank_format1")
        third = await http.post("/api/v1/confirmations", json=other, headers=h)
        problem = await third.json(content_type=None)
        assert third.status == 409 and problem["errors"][0]["field"] == "Idempotency-Key"
        listed = await (await http.get(
            "/api/v1/confirmations", params={"engagement_id": firm.engagement_id}
        )).json()
    assert len(listed["items"]) == 1


async def test_concurrent_retries_with_one_key_create_one_confirmation(firm: Firm) -> None:
    body = firm.letter("company_receivable")
    async with firm.hub.client(firm.key) as http:
        async def post() -> tuple[int, str]:
            resp = await http.post("/api/v1/confirmations", json=body,
                                   headers={"Idempotency-Key": "race-1"})
            return resp.status, (await resp.json())["id"]
        results = await asyncio.gather(*(post() for _ in range(8)))
    assert {cid for _, cid in results} == {results[0][1]}
    assert sorted(s for s, _ in results).count(201) == 1


async def test_the_same_letter_twice_is_refused(firm: Firm) -> None:
    body = firm.letter("bank_format1")
    again = firm.letter("bank_format1")  # same engagement, bank, 基准日, type and scope
    async with firm.hub.client(firm.key) as http:
        assert (await http.post("/api/v1/confirmations", json=body)).status == 201
        resp = await http.post("/api/v1/confirmations", json=again)
        assert resp.status == 409
        assert resp.content_type == PROBLEM


async def test_another_firm_gets_404(hub: Hub) -> None:
    a = await make_firm(hub)
    b = await make_firm(hub)
    async with hub.client(a.key) as http:
        cid = (await (await http.post("/api/v1/confirmations",
                                      json=a.letter("bank_format1"))).json())["id"]
    async with hub.client(b.key) as http:
        for method, path in (
            ("GET", f"/api/v1/confirmations/{cid}"),
            ("GET", f"/api/v1/confirmations/{cid}/history"),
            ("POST", f"/api/v1/confirmations/{cid}/cancel"),
            ("GET", f"/api/v1/engagements/{a.engagement_id}"),
        ):
            resp = await http.request(method, path)
            assert resp.status == 404, (method, path)
            assert resp.content_type == PROBLEM
        listed = await (await http.get("/api/v1/confirmations")).json()
        assert listed["items"] == []
        # Nor can it file a letter under the other firm's engagement.
        stolen = b.letter("bank_format1", engagement_id=a.engagement_id)
        resp = await http.post("/api/v1/confirmations", json=stolen)
        assert resp.status == 422
    async with hub.client(a.key) as http:
        got = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
        assert got["status"] != "cancelled"


async def test_cancel_before_dispatch_and_history(firm: Firm) -> None:
    async with firm.hub.client(firm.key) as http:
        cid = (await (await http.post("/api/v1/confirmations",
                                      json=firm.letter("bank_format2"))).json())["id"]
        await wait_status(firm, cid, "awaiting_authorisation")
        resp = await http.post(f"/api/v1/confirmations/{cid}/cancel",
                               json={"reason": "客户更换开户行"})
        assert resp.status == 200
        assert (await resp.json())["status"] == "cancelled"
        again = await http.post(f"/api/v1/confirmations/{cid}/cancel")
        assert again.status == 409 and again.content_type == PROBLEM
        history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())["items"]
        for _ in range(100):  # the relay seals new entries into the chain a moment later
            if all(h["hash"] is not None for h in history):
                break
            await asyncio.sleep(0.05)
            history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())[
                "items"]
    moves = [(h.get("from_status"), h.get("to_status")) for h in history
             if h["event_type"] == "confirmation.status_changed"]
    assert moves == [("draft", "awaiting_authorisation"), ("awaiting_authorisation", "cancelled")]
    assert history[0]["event_type"] == "confirmation.submitted"
    assert all(len(h["hash"]) == 64 for h in history), history
    assert history[-1]["reason"] == "客户更换开户行"


async def test_listing_filters_and_cursor_pagination(firm: Firm) -> None:
    async with firm.hub.client(firm.key) as http:
        ids = []
        for i in range(7):
            body = firm.letter("company_payable", scope=f"supplier-{i}")
            ids.append((await (await http.post("/api/v1/confirmations", json=body)).json())["id"])
        await http.post(f"/api/v1/confirmations/{ids[0]}/cancel")
        seen, cursor = [], None
        while True:
            params = {"engagement_id": firm.engagement_id, "limit": "3"}
            if cursor:
                params["cursor"] = cursor
            page = await (await http.get("/api/v1/confirmations", params=params)).json()
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == ids
        cancelled = await (await http.get(
            "/api/v1/confirmations", params={"status": "cancelled"})).json()
        assert [c["id"] for c in cancelled["items"]] == [ids[0]]
        bad = await http.get("/api/v1/confirmations", params={"status": "lost"})
        assert bad.status == 422
        assert (await bad.json(content_type=None))["errors"][0]["field"] == "status"


async def test_engagements_page_with_a_cursor(firm: Firm) -> None:
    async with firm.hub.client(firm.key) as http:
        ids = [firm.engagement_id]
        for i in range(4):
            resp = await http.post("/api/v1/engagements", json={
                "name": f"专项审计 {i}", "client": {"name": f"客户{i}有限公司",
                                                   "uscc": new_uscc("110105")},
                "period_start": "2025-01-01", "period_end": "2025-12-31",
            })
            assert resp.status == 201, await resp.text()
            ids.append((await resp.json())["id"])
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = await (await http.get("/api/v1/engagements", params=params)).json()
            seen += [e["id"] for e in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert seen == ids
    assert pages == 3


async def test_authentication_and_roles(hub: Hub, firm: Firm) -> None:
    async with hub.client(None) as http:
        resp = await http.get("/api/v1/confirmations")
        assert resp.status == 401 and resp.content_type == PROBLEM
    async with hub.client("hub_nope_wrong") as http:
        assert (await http.get("/api/v1/confirmations")).status == 401
    bank_id, _ = firm.bank
    bank_key = await hub.key(bank_id, "bank_operator")
    async with hub.client(bank_key) as http:
        resp = await http.post("/api/v1/confirmations", json=firm.letter("bank_format1"))
        assert resp.status == 404 and resp.content_type == PROBLEM


async def test_health_readiness_and_openapi(hub: Hub) -> None:
    async with hub.client(None) as http:
        assert (await http.get("/healthz")).status == 200
        ready = await http.get("/readyz")
        assert ready.status == 200, await ready.text()
        assert (await ready.json())["checks"] == {"database": "ok", "broker": "ok"}
        doc = await (await http.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/confirmations" in doc["paths"]

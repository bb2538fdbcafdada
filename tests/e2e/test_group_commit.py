"""Submissions arriving together are committed together, and each still gets its own answer."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import text

from tests.e2e.conftest import Firm, new_uscc
from tests.e2e.test_api import counts

BURST = 40


async def post_all(firm: Firm, bodies: list[dict[str, Any]],
                   headers: dict[str, str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """POST every body at once; (status, JSON body) of each, in order."""
    async with firm.hub.client(firm.key) as http:
        async def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            resp = await http.post("/api/v1/confirmations", json=body, headers=headers)
            return resp.status, await resp.json(content_type=None)
        return list(await asyncio.gather(*(post(b) for b in bodies)))


async def transactions_of(firm: Firm, ids: list[str]) -> int:
    """How many commits wrote these confirmations' submissions (one commit, one recorded_at)."""
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    async with firm.hub.container.engine.connect() as conn:
        return (await conn.execute(
            text("SELECT count(DISTINCT recorded_at) FROM event_log "
                 f"WHERE event_type = 'confirmation.submitted' AND aggregate_id IN ({marks})"),
            {f"i{n}": cid for n, cid in enumerate(ids)},
        )).scalar_one()


def distinct_letters(firm: Firm, n: int) -> list[dict[str, Any]]:
    return [firm.letter("bank_format1", scope=f"accounts-{i}") for i in range(n)]


async def test_a_burst_is_committed_in_fewer_transactions_than_letters(firm: Firm) -> None:
    before = await counts(firm.hub)
    answers = await post_all(firm, distinct_letters(firm, BURST))
    assert [s for s, _ in answers] == [201] * BURST
    ids = [body["id"] for _, body in answers]
    assert len(set(ids)) == BURST
    assert {body["status"] for _, body in answers} == {"awaiting_authorisation"}
    after = await counts(firm.hub)
    assert after["confirmations"] - before["confirmations"] == BURST
    assert await transactions_of(firm, ids) < BURST
    async with firm.hub.client(firm.key) as http:
        for cid, (_, body) in zip(ids, answers, strict=True):
            got = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
            assert got["letter"] == body["letter"] and got["scope"] == body["scope"]


async def test_a_refused_submission_in_a_burst_is_refused_alone(firm: Firm) -> None:
    bodies = distinct_letters(firm, BURST)
    no_engagement = firm.letter("bank_format1", engagement_id=str(uuid.uuid4()))
    unknown_bank = firm.letter("bank_format1")
    unknown_bank["letter"]["responder"]["uscc"] = new_uscc()
    bodies[5], bodies[17] = no_engagement, unknown_bank
    before = await counts(firm.hub)
    answers = await post_all(firm, bodies)
    for i, (status, body) in enumerate(answers):
        if i == 5:
            assert status == 422 and body["errors"][0]["field"] == "/engagement_id"
        elif i == 17:
            assert status == 422 and body["errors"][0]["field"] == "/letter/responder/uscc"
        else:
            assert status == 201, body
    after = await counts(firm.hub)
    assert after["confirmations"] - before["confirmations"] == BURST - 2
    made = [body["id"] for status, body in answers if status == 201]
    assert await transactions_of(firm, made) < len(made)  # the refusals split no batch


async def test_colliding_letters_in_one_burst_get_one_201_and_one_409(firm: Firm) -> None:
    bodies = distinct_letters(firm, BURST)
    twin = dict(bodies[3], scope="another-scope")
    twin["letter"] = dict(bodies[3]["letter"])  # the same 函证编号
    bodies.append(twin)
    answers = await post_all(firm, bodies)
    statuses = [s for s, _ in answers]
    assert statuses.count(201) == BURST
    assert sorted((statuses[3], statuses[-1])) == [201, 409]
    refused = answers[3][1] if statuses[3] == 409 else answers[-1][1]
    assert refused["errors"][0]["field"] == "/letter/letter_number"
    async with firm.hub.client(firm.key) as http:
        listed = await (await http.get("/api/v1/confirmations", params={
            "engagement_id": firm.engagement_id, "limit": "100"})).json()
    assert len(listed["items"]) == BURST


async def test_a_burst_of_retries_with_one_key_makes_one_confirmation(firm: Firm) -> None:
    body = firm.letter("bank_format2")
    answers = await post_all(firm, [body] * 12, headers={"Idempotency-Key": "burst-1"})
    assert {b["id"] for _, b in answers} == {answers[0][1]["id"]}
    assert sorted(s for s, _ in answers) == [200] * 11 + [201]


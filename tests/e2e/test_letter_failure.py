"""A letter that cannot be made fails visibly, with its reason, and the firm retries it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.domain.model import Confirmation
from tests.e2e.conftest import Hub, make_firm, running_hub, start_hub
from tests.e2e.test_letters import client_signer, submit_authorised, wait_status
from tests.web.conftest import signed_in

CAUSE = "签章证书不可用 / no signing certificate for this name"


class BrokenLetterMaker:
    """Fails for good (an error no retry cures) until `fixed`, then makes a tiny PDF."""

    def __init__(self) -> None:
        self.fixed = False
        self.made: list[str] = []

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        if not self.fixed:
            raise ValueError(CAUSE)
        self.made.append(confirmation.id)
        return f"%PDF-1.7\n% {confirmation.letter_number}\n".encode()


@pytest.fixture
async def maker() -> BrokenLetterMaker:
    return BrokenLetterMaker()


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, maker: BrokenLetterMaker
              ) -> AsyncIterator[Hub]:
    async with running_hub(*stack, tmp_path, letter_maker=maker) as h:
        yield h


async def test_a_letter_that_cannot_be_made_fails_with_its_reason_and_can_be_retried(
    hub: Hub, maker: BrokenLetterMaker
) -> None:
    firm = await make_firm(hub)
    c = await submit_authorised(firm, firm.letter("bank_format1"))
    failed = await wait_status(firm, c["id"], "failed", within=60)
    assert failed["status"] == "failed", failed
    assert CAUSE in failed["status_reason"]
    async with hub.client(firm.key) as http:
        history = (await (await http.get(f"/api/v1/confirmations/{c['id']}/history")).json())
    last = [h for h in history["items"] if h.get("to_status")][-1]
    assert last["from_status"] == "authorised" and last["to_status"] == "failed"
    assert CAUSE in last["reason"]

    async with signed_in(hub, firm.org_id) as browser:
        resp, page = await browser.get(f"/web/confirmations/{c['id']}")
        assert resp.status == 200
        assert "失败" in page and CAUSE in page and "重新制函" in page

        # Only the firm retries: not the audited entity's key.
        async with hub.client(await client_signer(firm)) as http:
            resp = await http.post(f"/api/v1/confirmations/{c['id']}/retry")
            assert resp.status == 404, await resp.text()

        maker.fixed = True
        key = str(uuid.uuid4())
        async with hub.client(firm.key) as http:
            for _ in range(2):  # the same request twice: one retry
                resp = await http.post(f"/api/v1/confirmations/{c['id']}/retry",
                                       headers={"Idempotency-Key": key})
                assert resp.status == 200, await resp.text()
        done = await wait_status(firm, c["id"], "dispatched", within=60)
        assert done["status"] == "dispatched" and done["letter_sha256"], done
        assert maker.made == [c["id"]]
        resp, page = await browser.get(f"/web/confirmations/{c['id']}")
        assert "重新制函 / retried" in page and "重新制函 / Retry the letter" not in page

    async with hub.client(firm.key) as http:  # a letter that did not fail has nothing to retry
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/retry")
        assert resp.status == 409, await resp.text()


async def test_a_hub_without_letter_signing_fails_the_letter_and_says_which_setting(
        db_url: str, tmp_path: Any) -> None:
    hub = await start_hub(db_url, "embedded://", tmp_path, letter_signing="off")
    try:
        firm = await make_firm(hub)
        c = await submit_authorised(firm, firm.letter("bank_format1"))
        failed = await wait_status(firm, c["id"], "failed", within=60)
        assert failed["status"] == "failed", failed
        assert 'letter_signing = "off"' in failed["status_reason"]
    finally:
        await hub.runtime.stop()

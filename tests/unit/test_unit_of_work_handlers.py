"""The fake unit of work keeps the real one's promises, as the handlers rely on them."""

from __future__ import annotations

import pytest

from hub.domain import commands, events
from hub.domain.errors import ValidationFailed
from hub.domain.model import Status
from hub.domain.uscc import make_uscc
from tests.unit.fakes import World, world

NEW_CLIENT = make_uscc("91310000000000005")


@pytest.fixture
def w() -> World:
    return world()


async def test_a_handler_that_fails_half_way_leaves_nothing_behind(w: World) -> None:
    """create_engagement adds the new client organisation, then the engagement refuses its
    period: the organisation and its event must go with the rest."""
    bad = commands.CreateEngagement(
        caller=w.auditor, name="2025 年报审计", client_name="新客户有限公司",
        client_uscc=NEW_CLIENT, period_start=w.engagement.period_end,
        period_end=w.engagement.period_start)
    orgs_before = dict(w.db.organisations)
    with pytest.raises(ValidationFailed) as e:
        await w.hub.handle(bad)
    assert e.value.field == "/period_end"
    assert w.db.organisations == orgs_before and w.db.events == [] and w.db.commits == 0


async def test_a_new_client_and_its_engagement_are_committed_together(w: World) -> None:
    e = await w.hub.handle(commands.CreateEngagement(
        caller=w.auditor, name="2025 年报审计", client_name="新客户有限公司",
        client_uscc=NEW_CLIENT, period_start=w.engagement.period_start,
        period_end=w.engagement.period_end))
    client = w.db.organisations[e.client_org_id]
    assert client.name == "新客户有限公司" and w.db.engagements[e.id].firm_org_id == w.firm.id
    assert w.db.event_names() == ["organisation.created", "engagement.created"]


async def test_a_lost_commit_keeps_neither_the_letter_nor_its_events(w: World) -> None:
    w.db.fail_commit = True
    with pytest.raises(OSError):
        await w.hub.handle(w.submit())
    w.db.fail_commit = False
    assert not w.db.confirmations and not w.db.events
    done = await w.hub.handle(w.submit())  # the retry goes through
    assert w.db.confirmations[done.confirmation.id].status is Status.AWAITING_AUTHORISATION


async def test_events_are_logged_in_the_order_they_happened(w: World) -> None:
    done = await w.hub.handle(w.submit())
    cid = done.confirmation.id
    await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
    w.hub.clock.advance(minutes=5)
    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    names = w.db.event_names(cid)
    assert names[0] == "confirmation.submitted" and names.count("letter.dispatched") == 1
    moves = [(e.from_status, e.to_status) for e in w.db.events_of(events.StatusChanged)]
    assert moves == [("draft", "awaiting_authorisation"), ("awaiting_authorisation", "authorised"),
                     ("authorised", "letter_ready"), ("letter_ready", "dispatched")]
    at = [e.at for e in w.db.events]
    assert at == sorted(at)
    history = await w.hub.uow().confirmations.history(cid)
    assert [h.event_type for h in history] == names


async def test_a_message_is_claimed_once_and_only_when_committed(w: World) -> None:
    async with w.hub.uow() as uow:
        assert await uow.inbox.claim("jobs", "m-1")
        assert not await uow.inbox.claim("jobs", "m-1")
    async with w.hub.uow() as uow:  # the first was never committed
        assert await uow.inbox.claim("jobs", "m-1")
        await uow.commit()
    async with w.hub.uow() as uow:
        assert not await uow.inbox.claim("jobs", "m-1")
        assert await uow.inbox.claim("webhooks", "m-1")

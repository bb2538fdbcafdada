"""Submitting confirmation requests through the real bus, against in-memory fakes of the ports."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from hub.domain import commands
from hub.domain.errors import Conflict, Forbidden, HubError, ValidationFailed
from hub.domain.model import Caller, OrgKind, Role, Status
from hub.domain.responders import ResponderStatus
from hub.services.submissions import Submissions, Submitted
from tests.unit.fakes import World, world


@pytest.fixture
def w() -> World:
    return world()


def nothing_written(w: World) -> bool:
    return not w.db.confirmations and not w.db.events and w.db.commits == 0


async def test_a_submission_asks_for_authorisation_due_ten_working_days_later(w: World) -> None:
    done: Submitted = await w.hub.handle(w.submit())

    c = w.db.confirmations[done.confirmation.id]
    assert c.status is Status.AWAITING_AUTHORISATION
    # Monday 2 March 2026 + 10 working days, with Friday 6 March a holiday in the calendar.
    assert c.authorisation_due == date(2026, 3, 17)
    assert c.responder_org_id == w.bank.id and c.client_org_id == w.client.id
    assert w.db.event_names(c.id) == ["confirmation.submitted", "confirmation.status_changed"]
    assert w.db.events[1].to_status == "awaiting_authorisation"  # type: ignore[attr-defined]


async def test_the_authorisation_window_follows_the_configured_length() -> None:
    w = world(authorisation_window_working_days=4)
    done: Submitted = await w.hub.handle(w.submit())
    assert w.db.confirmations[done.confirmation.id].authorisation_due == date(2026, 3, 9)


@pytest.mark.parametrize(("change", "field"), [
    ({"letter_type": "bank_format9"}, "/letter_type"),
    ({"engagement_id": "eng-of-nobody"}, "/engagement_id"),
    ({"parent_id": "no-such-confirmation"}, "/parent_id"),
])
async def test_a_bad_field_is_named_and_nothing_is_written(
        w: World, change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        await w.hub.handle(w.submit(**change))
    assert e.value.field == field
    assert nothing_written(w)


@pytest.mark.parametrize(("letter_change", "field"), [
    ({"responder": {"uscc": "91310000000000000X"}}, "/letter/responder/uscc"),
    ({"as_of_date": "2025-13-01"}, "/letter/as_of_date"),
])
async def test_a_bad_letter_field_is_named_and_nothing_is_written(
        w: World, letter_change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        await w.hub.handle(w.submit(w.letter(**letter_change)))
    assert e.value.field == field
    assert nothing_written(w)


async def test_another_firms_engagement_is_not_found(w: World) -> None:
    other = w.hub.organisation(OrgKind.FIRM, "另一家事务所", 9)
    theirs = w.hub.engagement(other, w.client)
    with pytest.raises(ValidationFailed) as e:
        await w.hub.handle(w.submit(engagement_id=theirs.id))
    assert e.value.field == "/engagement_id"
    assert not w.db.confirmations


async def test_only_a_firm_may_submit(w: World) -> None:
    with pytest.raises(Forbidden):
        await w.hub.handle(w.submit(caller=w.signer))
    assert nothing_written(w)


@pytest.mark.parametrize(("status", "says"), [
    (ResponderStatus.PENDING, "not verified"),
    (ResponderStatus.RETIRED, "retired"),
])
async def test_a_responder_that_cannot_be_routed_to_is_refused(
        w: World, status: ResponderStatus, says: str) -> None:
    entry = w.db.responders[f"resp-{w.bank.id}"]
    w.db.responders[entry.id] = entry.__class__(**{**vars(entry), "status": status})
    with pytest.raises(ValidationFailed) as e:
        await w.hub.handle(w.submit())
    assert e.value.field == "/letter/responder/uscc" and says in e.value.message
    assert nothing_written(w)


async def test_a_responder_missing_from_the_registry_is_refused(w: World) -> None:
    stranger = w.hub.organisation(OrgKind.BANK, "未登记银行", 7)
    letter = w.letter(responder={"uscc": stranger.uscc})
    with pytest.raises(ValidationFailed, match="responder registry"):
        await w.hub.handle(w.submit(letter))
    assert nothing_written(w)


async def test_a_bank_letter_to_a_company_is_refused(w: World) -> None:
    supplier = w.hub.organisation(OrgKind.COMPANY, "供应商有限公司", 5)
    w.hub.responder(supplier)
    with pytest.raises(ValidationFailed, match="no bank"):
        await w.hub.handle(w.submit(w.letter(responder={"uscc": supplier.uscc})))
    assert nothing_written(w)


async def test_the_audited_entity_cannot_confirm_its_own_balances(w: World) -> None:
    w.hub.responder(w.client)
    with pytest.raises(ValidationFailed, match="audited entity itself"):
        await w.hub.handle(w.submit(w.letter(responder={"uscc": w.client.uscc}),
                                    letter_type="company_receivable"))
    assert nothing_written(w)


async def test_the_same_idempotency_key_and_body_replays_the_first_answer(w: World) -> None:
    first: Submitted = await w.hub.handle(w.submit(key="k-1"))
    again: Submitted = await w.hub.handle(w.submit(key="k-1"))

    assert again.replayed and not first.replayed
    assert again.confirmation.id == first.confirmation.id
    assert again.confirmation.status is Status.AWAITING_AUTHORISATION
    assert len(w.db.confirmations) == 1
    assert w.db.event_names().count("confirmation.submitted") == 1


async def test_the_same_idempotency_key_with_another_body_is_a_conflict(w: World) -> None:
    await w.hub.handle(w.submit(key="k-1"))
    events_before = list(w.db.events)
    with pytest.raises(Conflict) as e:
        await w.hub.handle(w.submit(w.letter("BC-2025-002"), key="k-1"))
    assert e.value.field == "Idempotency-Key"
    assert len(w.db.confirmations) == 1 and w.db.events == events_before


async def test_an_idempotency_key_belongs_to_one_firm(w: World) -> None:
    other = w.hub.organisation(OrgKind.FIRM, "另一家事务所", 9)
    theirs = w.hub.engagement(other, w.client)
    them = Caller(org_id=other.id, org_kind=OrgKind.FIRM, role=Role.AUDITOR, key_id="k9")
    mine: Submitted = await w.hub.handle(w.submit(key="k-1"))
    their: Submitted = await w.hub.handle(w.submit(caller=them, engagement_id=theirs.id,
                                                   key="k-1"))
    assert not their.replayed and their.confirmation.id != mine.confirmation.id


async def test_the_business_key_stops_the_same_letter_twice(w: World) -> None:
    await w.hub.handle(w.submit(w.letter("BC-2025-001")))
    with pytest.raises(Conflict) as e:
        await w.hub.handle(w.submit(w.letter("BC-2025-002")))
    assert e.value.field == "/letter"
    assert len(w.db.confirmations) == 1


async def test_another_scope_is_another_letter(w: World) -> None:
    await w.hub.handle(w.submit(w.letter("BC-2025-001")))
    await w.hub.handle(w.submit(w.letter("BC-2025-002"), scope="deposits"))
    assert len(w.db.confirmations) == 2


async def test_a_cancelled_letter_frees_its_business_key(w: World) -> None:
    first: Submitted = await w.hub.handle(w.submit(w.letter("BC-2025-001")))
    await w.hub.handle(commands.CancelConfirmation(caller=w.auditor,
                                                   confirmation_id=first.confirmation.id))
    again: Submitted = await w.hub.handle(w.submit(w.letter("BC-2025-002")))
    assert w.db.confirmations[again.confirmation.id].status is Status.AWAITING_AUTHORISATION


async def test_a_letter_number_is_used_once_per_firm(w: World) -> None:
    await w.hub.handle(w.submit(w.letter("BC-2025-001")))
    with pytest.raises(Conflict) as e:
        await w.hub.handle(w.submit(w.letter("BC-2025-001"), scope="loans"))
    assert e.value.field == "/letter/letter_number"
    assert len(w.db.confirmations) == 1


async def test_an_overridden_address_is_warned_about(w: World) -> None:
    w.db.engagements[w.engagement.id].responder_overrides = ({
        "uscc": w.bank.uscc, "contact": {"email": "other@example.com"},
        "reason": "客户提供"},)
    done: Submitted = await w.hub.handle(w.submit())
    assert any("函证地址与登记地址不一致" in x for x in done.confirmation.warnings)


async def test_a_batch_answers_each_request_as_if_it_came_alone(w: World) -> None:
    """The group commit: one duplicate in a batch fails alone; the others are kept."""
    submissions = Submissions(w.hub.bus, max_batch=8)
    cmds = [w.submit(w.letter("BC-2025-001")), w.submit(w.letter("BC-2025-002"), scope="loans"),
            w.submit(w.letter("BC-2025-003")), w.submit(w.letter("X"), letter_type="nope")]
    answers = await asyncio.gather(*(submissions.submit(c) for c in cmds),
                                   return_exceptions=True)
    await submissions.close()

    assert isinstance(answers[0], Submitted) and isinstance(answers[1], Submitted)
    assert isinstance(answers[2], Conflict) and answers[2].field == "/letter"
    assert isinstance(answers[3], HubError) and answers[3].field == "/letter_type"
    assert sorted(c.letter_number for c in w.db.confirmations.values()) == [
        "BC-2025-001", "BC-2025-002"]


async def test_two_requests_racing_with_one_key_get_one_confirmation(w: World) -> None:
    """The loser's insert collides on the Idempotency-Key; the bus runs it again, and it is
    answered with the winner's confirmation."""
    winner: list[Submitted] = []

    async def the_other_request_commits_first() -> None:
        winner.append(await w.hub.handle(w.submit(key="k-race")))

    w.db.before_next_commit = the_other_request_commits_first
    loser: Submitted = await w.hub.handle(w.submit(key="k-race"))

    assert loser.replayed and loser.confirmation.id == winner[0].confirmation.id
    assert len(w.db.confirmations) == 1
    assert w.db.event_names().count("confirmation.submitted") == 1

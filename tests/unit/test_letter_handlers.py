"""Cancelling, expiring, authorising, making and dispatching letters, against in-memory fakes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

import pytest

from hub.domain import commands, events
from hub.domain.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    PartSwitchedOff,
    StaleWrite,
)
from hub.domain.model import Caller, Confirmation, OrgKind, Role, Status
from hub.domain.responders import ResponderStatus
from hub.ports.standins import NoLetterSigning
from tests.unit.fakes import World, world


@pytest.fixture
def w() -> World:
    return world()


async def submitted(w: World, number: str = "BC-2025-001") -> str:
    done = await w.hub.handle(w.submit(w.letter(number)))
    return str(done.confirmation.id)


async def authorised(w: World) -> str:
    cid = await submitted(w)
    await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
    return cid


async def dispatched(w: World) -> str:
    cid = await authorised(w)
    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    return cid


def stored(w: World, cid: str) -> Confirmation:
    return w.db.confirmations[cid]


# --------------------------------------------------------------------------- cancelling


async def test_the_firm_cancels_a_letter_awaiting_authorisation(w: World) -> None:
    cid = await submitted(w)
    await w.hub.handle(commands.CancelConfirmation(caller=w.auditor, confirmation_id=cid,
                                                   reason="客户更换银行"))
    assert stored(w, cid).status is Status.CANCELLED
    last = w.db.events[-1]
    assert isinstance(last, events.StatusChanged)
    assert (last.to_status, last.reason, last.actor) == ("cancelled", "客户更换银行",
                                                         w.auditor.actor)


async def test_an_authorised_letter_not_yet_made_can_still_be_cancelled(w: World) -> None:
    cid = await authorised(w)
    await w.hub.handle(commands.CancelConfirmation(caller=w.auditor, confirmation_id=cid))
    assert stored(w, cid).status is Status.CANCELLED


async def test_the_audited_entity_cannot_cancel(w: World) -> None:
    cid = await submitted(w)
    with pytest.raises(Forbidden):
        await w.hub.handle(commands.CancelConfirmation(caller=w.signer, confirmation_id=cid))
    assert stored(w, cid).status is Status.AWAITING_AUTHORISATION


async def test_another_firm_cannot_see_the_letter_to_cancel_it(w: World) -> None:
    cid = await submitted(w)
    other = Caller(org_id="org-9", org_kind=OrgKind.FIRM, role=Role.FIRM_ADMIN, key_id="k9")
    with pytest.raises(NotFound):
        await w.hub.handle(commands.CancelConfirmation(caller=other, confirmation_id=cid))
    assert stored(w, cid).status is Status.AWAITING_AUTHORISATION


async def test_a_dispatched_letter_cannot_be_cancelled_and_nothing_is_logged(w: World) -> None:
    cid = await dispatched(w)
    log_before = list(w.db.events)
    with pytest.raises(InvalidTransition, match="before it is dispatched"):
        await w.hub.handle(commands.CancelConfirmation(caller=w.auditor, confirmation_id=cid))
    assert stored(w, cid).status is Status.DISPATCHED
    assert w.db.events == log_before


# --------------------------------------------------------------------------- expiring


async def test_an_authorisation_expires_the_day_after_its_due_date(w: World) -> None:
    cid = await submitted(w)
    due = stored(w, cid).authorisation_due
    assert due == date(2026, 3, 17)

    w.hub.clock.set_today(due)
    assert await w.hub.handle(commands.ExpireAuthorisations()) == []
    assert stored(w, cid).status is Status.AWAITING_AUTHORISATION

    w.hub.clock.set_today(date(2026, 3, 18))
    assert await w.hub.handle(commands.ExpireAuthorisations()) == [cid]
    c = stored(w, cid)
    assert c.status is Status.EXPIRED and "2026-03-17" in (c.status_reason or "")
    assert w.db.events[-1].actor == "system"


async def test_expiry_leaves_authorised_letters_alone(w: World) -> None:
    cid = await authorised(w)
    w.hub.clock.set_today(date(2026, 4, 30))
    assert await w.hub.handle(commands.ExpireAuthorisations()) == []
    assert stored(w, cid).status is not Status.EXPIRED


async def test_an_expired_letter_frees_its_business_key(w: World) -> None:
    await submitted(w, "BC-2025-001")
    w.hub.clock.set_today(date(2026, 3, 18))
    await w.hub.handle(commands.ExpireAuthorisations())
    assert await submitted(w, "BC-2025-002")


async def test_authorising_after_the_window_is_refused_even_before_the_expiry_job(
        w: World) -> None:
    cid = await submitted(w)
    w.hub.clock.set_today(date(2026, 3, 18))
    with pytest.raises(InvalidTransition, match="2026-03-17"):
        await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
    assert stored(w, cid).status is Status.AWAITING_AUTHORISATION


# --------------------------------------------------------------------------- authorising


async def test_only_the_audited_entitys_signer_may_authorise(w: World) -> None:
    cid = await submitted(w)
    with pytest.raises(Forbidden) as e:
        await w.hub.handle(commands.AuthoriseConfirmation(caller=w.auditor, confirmation_id=cid))
    assert e.value.field == "Authorization"
    stranger = replace(w.signer, org_id="org-somebody-else")
    with pytest.raises(NotFound):
        await w.hub.handle(commands.AuthoriseConfirmation(caller=stranger, confirmation_id=cid))
    assert stored(w, cid).status is Status.AWAITING_AUTHORISATION


async def test_authorising_records_who_and_when(w: World) -> None:
    cid = await authorised(w)
    c = stored(w, cid)
    assert c.status is Status.AUTHORISED
    assert c.authorised_by == w.signer.actor and c.authorised_at == w.hub.clock.now()


# --------------------------------------------------------------------------- letter and dispatch


async def test_the_letter_is_made_stored_and_dispatched(w: World) -> None:
    cid = await authorised(w)
    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))

    c = stored(w, cid)
    pdf = w.hub.blobs.blobs[c.letter_sha256 or ""]
    assert c.letter_sha256 == hashlib.sha256(pdf).hexdigest()
    assert "BC-2025-001" in pdf.decode()  # the fake letter names what it was made for
    doc = w.db.documents[(cid, "letter")]
    assert (doc.sha256, doc.size, doc.media_type) == (c.letter_sha256, len(pdf),
                                                      "application/pdf")
    assert c.status is Status.DISPATCHED and c.dispatched_at == w.hub.clock.now()
    assert c.reply_due == date(2026, 3, 17)  # 10 working days, the holiday skipped
    sent = w.db.events_of(events.LetterDispatched)
    assert [(e.confirmation_id, e.channel) for e in sent] == [(cid, "bank_api_pull")]
    changes = [(e.from_status, e.to_status) for e in w.db.events_of(events.StatusChanged)]
    assert changes[-2:] == [("authorised", "letter_ready"), ("letter_ready", "dispatched")]
    # The history reads as it happened: the letter is made, dispatched, then sent on.
    assert w.db.event_names(cid)[-3:] == ["confirmation.status_changed",
                                          "confirmation.status_changed", "letter.dispatched"]


async def test_making_the_letter_again_makes_no_second_letter(w: World) -> None:
    cid = await dispatched(w)
    again = await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    assert again is None
    assert w.hub.letter_maker.made == [cid]
    assert w.db.event_names(cid).count("letter.dispatched") == 1


async def test_no_letter_is_made_before_authorisation(w: World) -> None:
    cid = await submitted(w)
    assert await w.hub.handle(commands.MakeLetter(confirmation_id=cid)) is None
    assert w.hub.letter_maker.made == [] and not w.hub.blobs.blobs
    assert stored(w, cid).status is Status.AWAITING_AUTHORISATION


async def test_a_letter_to_a_responder_retired_meanwhile_fails_instead_of_going_out(
        w: World) -> None:
    cid = await authorised(w)
    entry = w.db.responders[f"resp-{w.bank.id}"]
    w.db.responders[entry.id] = replace(entry, status=ResponderStatus.RETIRED)

    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    c = stored(w, cid)
    assert c.status is Status.FAILED and "retired" in (c.status_reason or "")
    assert not w.db.events_of(events.LetterDispatched)


async def test_a_switched_off_signer_fails_the_letter_which_the_firm_may_retry(
        w: World) -> None:
    cid = await authorised(w)
    w.hub.bus.deps = replace(w.hub.bus.deps, letter_maker=NoLetterSigning())
    with pytest.raises(PartSwitchedOff) as e:
        await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    assert stored(w, cid).status is Status.AUTHORISED  # the failed job wrote nothing

    # The job parks; the worker records why.
    await w.hub.handle(commands.RecordJobFailure(confirmation_id=cid, reason=str(e.value)))
    c = stored(w, cid)
    assert c.status is Status.FAILED and "letter_signing" in (c.status_reason or "")

    w.hub.bus.deps = replace(w.hub.bus.deps, letter_maker=w.hub.letter_maker)
    await w.hub.handle(commands.RetryLetter(caller=w.auditor, confirmation_id=cid))
    assert stored(w, cid).status is Status.AUTHORISED
    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    assert stored(w, cid).status is Status.DISPATCHED


async def test_a_dispatched_letter_cannot_be_retried(w: World) -> None:
    cid = await dispatched(w)
    with pytest.raises(InvalidTransition):
        await w.hub.handle(commands.RetryLetter(caller=w.auditor, confirmation_id=cid))


# --------------------------------------------------------------------------- concurrency


async def test_a_change_that_lost_a_race_is_not_saved(w: World) -> None:
    """Optimistic locking: a cancel that read the letter before its authorisation committed
    must not overwrite it."""
    cid = await submitted(w)
    async with w.hub.uow() as slow:
        c = await slow.confirmations.get(cid, w.auditor)
        assert c is not None
        await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
        c.cancel(at=w.hub.clock.now(), actor=w.auditor.actor)
        with pytest.raises(StaleWrite):
            await slow.commit()
    assert stored(w, cid).status is Status.AUTHORISED
    assert "cancelled" not in [getattr(e, "to_status", None) for e in w.db.events]


async def test_a_locking_read_sees_what_others_committed_meanwhile(w: World) -> None:
    cid = await submitted(w)
    async with w.hub.uow() as uow:
        assert await uow.confirmations.get(cid, None) is not None
        await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
        locked = await uow.confirmations.get(cid, None, for_update=True)
        assert locked is not None and locked.status is Status.AUTHORISED

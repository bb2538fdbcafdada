"""Alternative-procedure notes on fakes: appended to a letter of the auditor's firm and to its
history, a retry replays the first note, bad input names its field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.domain.model import Caller
from hub.domain.procedures import MAX_CONCLUSION, MAX_TEXT
from hub.services.procedures import Noted
from tests.unit.fakes import World, outbox, world


@pytest.fixture
async def w() -> World:
    w = world()
    await w.hub.handle(w.submit())
    return w


def cid(w: World) -> str:
    (c,) = w.db.confirmations
    return c


async def note(w: World, text: str = " 检查了期后银行对账单，余额一致 ",
               conclusion: str | None = "可以确认", key: str | None = None, *,
               caller: Caller | None = None, confirmation_id: str | None = None) -> Noted:
    done: Noted = await w.hub.handle(commands.NoteProcedure(
        caller=caller or w.auditor, confirmation_id=confirmation_id or cid(w), text=text,
        conclusion=conclusion, idempotency_key=key))
    return done


async def test_a_note_is_kept_trimmed_and_enters_the_letters_history(w: World) -> None:
    done = await note(w)
    assert not done.replayed
    stored = w.db.procedures[done.procedure.id]
    assert (stored.text, stored.conclusion, stored.noted_by) == (
        "检查了期后银行对账单，余额一致", "可以确认", w.auditor.actor)
    (logged,) = w.db.events_of(events.ProcedureNoted)
    assert (logged.confirmation_id, logged.procedure_id) == (cid(w), stored.id)
    assert "confirmation.procedure_noted" not in outbox(w.db)  # history, no message
    second = await note(w, "函证未回，执行替代程序：检查期后收款", conclusion=" ")
    assert second.procedure.conclusion is None and len(w.db.procedures) == 2


async def test_a_retry_with_the_same_key_replays_the_note_and_another_body_is_refused(
        w: World) -> None:
    first = await note(w, key="n-1")
    again = await note(w, key="n-1")
    assert again.replayed and again.procedure.id == first.procedure.id
    assert len(w.db.procedures) == 1 and len(w.db.events_of(events.ProcedureNoted)) == 1
    with pytest.raises(Conflict) as clash:
        await note(w, "另一段说明", key="n-1")
    assert clash.value.field == "Idempotency-Key" and len(w.db.procedures) == 1


async def test_only_the_letters_firm_notes_procedures_on_it(w: World) -> None:
    logged = list(w.db.events)
    with pytest.raises(Forbidden):
        await note(w, caller=w.teller)
    with pytest.raises(Forbidden):
        await note(w, caller=w.signer)
    with pytest.raises(NotFound):
        await note(w, caller=replace(w.auditor, org_id="org-other-firm"))
    with pytest.raises(NotFound):
        await note(w, confirmation_id="no-such-letter")
    assert not w.db.procedures and w.db.events == logged


@pytest.mark.parametrize(("text", "conclusion", "field"), [
    ("   ", None, "/text"),
    ("x" * (MAX_TEXT + 1), None, "/text"),
    ("检查了期后收款", "y" * (MAX_CONCLUSION + 1), "/conclusion"),
])
async def test_a_bad_note_names_its_field_and_changes_nothing(
        w: World, text: str, conclusion: str | None, field: str) -> None:
    logged = list(w.db.events)
    with pytest.raises(ValidationFailed) as refused:
        await note(w, text, conclusion)
    assert refused.value.field == field
    assert not w.db.procedures and w.db.events == logged

"""The confirmation state machine: every allowed transition, every refused one, and its helpers."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hub.domain import events
from hub.domain.errors import HubError, InvalidTransition
from hub.domain.model import (
    CANCELLABLE,
    TERMINAL,
    TRANSITIONS,
    Confirmation,
    LetterType,
    Mode,
    Status,
)

CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 3, 10, 30, tzinfo=UTC)
ACTOR = "auditor:key_1"

ALLOWED: list[tuple[Status, Status]] = sorted(
    (src, dst) for src, targets in TRANSITIONS.items() for dst in targets
)
REFUSED: list[tuple[Status, Status]] = sorted(set(itertools.product(Status, Status)) - set(ALLOWED))
NOT_CANCELLABLE: list[Status] = sorted(set(Status) - CANCELLABLE)
# Dispatched and every state a dispatched letter can reach.
DISPATCHED_AND_LATER: list[Status] = [
    Status.DISPATCHED,
    Status.DELIVERED,
    Status.RETURNED,
    Status.REPLIED,
    Status.VERIFIED,
    Status.WORKPAPER_DELIVERED,
]


def _pair_id(pair: tuple[Status, Status]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def fields(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict(
        id="conf_1",
        firm_org_id="firm_1",
        engagement_id="eng_1",
        client_org_id="client_1",
        responder_org_id="bank_1",
        letter_type=LetterType.BANK_FORMAT1,
        mode=Mode.POSITIVE,
        letter_number="HZ-2026-0001",
        as_of_date=date(2025, 12, 31),
        letter={"items": {}},
        business_key="bk_1",
        created_at=CREATED,
    )
    base.update(changes)
    return base


def confirmation(status: Status = Status.DRAFT, **changes: Any) -> Confirmation:
    """A confirmation placed directly in `status`, with an empty event list."""
    return Confirmation(**fields(status=status, **changes))


def snapshot(c: Confirmation) -> tuple[Any, ...]:
    return (
        c.status,
        c.version,
        list(c.pending_events),
        c.updated_at,
        c.status_reason,
        c.authorisation_due,
    )


# --- the table itself


def test_table_has_a_row_for_every_status_and_only_status_targets() -> None:
    assert set(TRANSITIONS) == set(Status)
    for targets in TRANSITIONS.values():
        assert targets <= set(Status)


def test_no_status_moves_to_itself() -> None:
    assert all(src not in targets for src, targets in TRANSITIONS.items())


def test_terminal_and_cancellable_sets() -> None:
    assert TERMINAL == {
        Status.RETURNED,
        Status.WORKPAPER_DELIVERED,
        Status.CANCELLED,
        Status.EXPIRED,
        Status.FAILED,
    }
    assert CANCELLABLE == {
        Status.DRAFT,
        Status.AWAITING_AUTHORISATION,
        Status.AUTHORISED,
        Status.LETTER_READY,
    }


def test_every_status_is_reachable_from_draft() -> None:
    seen = {Status.DRAFT}
    frontier = [Status.DRAFT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Status)


def test_allowed_and_refused_partition_all_pairs() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(Status) ** 2
    assert not set(ALLOWED) & set(REFUSED)


# --- allowed transitions


@pytest.mark.parametrize("pair", ALLOWED, ids=_pair_id)
def test_allowed_transition_succeeds(pair: tuple[Status, Status]) -> None:
    source, target = pair
    c = confirmation(source, version=4)
    assert c.can_move_to(target)

    c.move_to(target, at=LATER, actor=ACTOR, reason="because")

    assert c.status is target
    assert c.version == 5
    assert c.updated_at == LATER
    assert c.status_reason == "because"
    assert c.pending_events == [
        events.StatusChanged(
            confirmation_id="conf_1",
            firm_org_id="firm_1",
            from_status=source.value,
            to_status=target.value,
            at=LATER,
            actor=ACTOR,
            reason="because",
        )
    ]
    event = c.pending_events[0]
    assert event.routing_key == f"confirmation.status.{target.value}"
    assert event.aggregate_id == "conf_1"


@pytest.mark.parametrize("pair", ALLOWED, ids=_pair_id)
def test_allowed_transition_without_reason_clears_the_previous_reason(
    pair: tuple[Status, Status],
) -> None:
    source, target = pair
    c = confirmation(source, status_reason="old reason")
    c.move_to(target, at=LATER, actor=ACTOR)
    assert c.status_reason is None
    (event,) = c.pending_events
    assert isinstance(event, events.StatusChanged)
    assert event.reason is None


def test_events_accumulate_along_the_happy_path() -> None:
    c = confirmation()
    path = [
        Status.AWAITING_AUTHORISATION,
        Status.AUTHORISED,
        Status.LETTER_READY,
        Status.DISPATCHED,
        Status.DELIVERED,
        Status.REPLIED,
        Status.VERIFIED,
        Status.WORKPAPER_DELIVERED,
    ]
    for i, target in enumerate(path):
        c.move_to(target, at=LATER + timedelta(minutes=i), actor=ACTOR)
    assert c.version == len(path)
    assert [(e.from_status, e.to_status) for e in c.pending_events] == list(
        zip([s.value for s in [Status.DRAFT, *path[:-1]]], [s.value for s in path], strict=True)
    )
    assert c.status in TERMINAL


# --- refused transitions


@pytest.mark.parametrize("pair", REFUSED, ids=_pair_id)
def test_refused_transition_raises_and_changes_nothing(pair: tuple[Status, Status]) -> None:
    source, target = pair
    c = confirmation(source, version=7, updated_at=CREATED, status_reason="kept")
    before = snapshot(c)
    assert not c.can_move_to(target)

    with pytest.raises(InvalidTransition) as info:
        c.move_to(target, at=LATER, actor=ACTOR, reason="nope")

    assert snapshot(c) == before
    err = info.value
    assert isinstance(err, HubError)
    assert err.code == "invalid_transition"
    assert err.field == "status"
    assert err.current == source.value
    assert err.target == target.value
    assert repr(source.value) in err.message and repr(target.value) in err.message


@pytest.mark.parametrize("source", sorted(TERMINAL))
@pytest.mark.parametrize("target", list(Status))
def test_terminal_states_refuse_everything_saying_final(source: Status, target: Status) -> None:
    c = confirmation(source)
    with pytest.raises(InvalidTransition, match="it is final"):
        c.move_to(target, at=LATER, actor=ACTOR)
    assert c.status is source
    assert c.version == 0
    assert c.pending_events == []


@pytest.mark.parametrize("source", sorted(set(Status) - TERMINAL))
def test_non_terminal_refusal_does_not_claim_finality(source: Status) -> None:
    target = next(t for t in Status if t not in TRANSITIONS[source])
    with pytest.raises(InvalidTransition) as info:
        confirmation(source).move_to(target, at=LATER, actor=ACTOR)
    assert "final" not in info.value.message


# --- cancel


@pytest.mark.parametrize("source", sorted(CANCELLABLE))
def test_cancel_from_each_cancellable_state(source: Status) -> None:
    c = confirmation(source)
    c.cancel(at=LATER, actor=ACTOR, reason="client withdrew")
    assert c.status is Status.CANCELLED
    assert c.version == 1
    assert c.status_reason == "client withdrew"
    assert c.pending_events == [
        events.StatusChanged(
            confirmation_id="conf_1",
            firm_org_id="firm_1",
            from_status=source.value,
            to_status="cancelled",
            at=LATER,
            actor=ACTOR,
            reason="client withdrew",
        )
    ]


@pytest.mark.parametrize("source", DISPATCHED_AND_LATER)
def test_cancel_is_refused_from_dispatched_and_later(source: Status) -> None:
    c = confirmation(source, version=3)
    with pytest.raises(InvalidTransition, match="dispatched") as info:
        c.cancel(at=LATER, actor=ACTOR, reason="too late")
    assert info.value.current == source.value
    assert info.value.target == "cancelled"
    assert c.status is source
    assert c.version == 3
    assert c.pending_events == []


@pytest.mark.parametrize("source", NOT_CANCELLABLE)
def test_cancel_is_refused_from_every_non_cancellable_state(source: Status) -> None:
    c = confirmation(source)
    before = snapshot(c)
    with pytest.raises(InvalidTransition):
        c.cancel(at=LATER, actor=ACTOR)
    assert snapshot(c) == before


# --- request_authorisation / expire_authorisation


def test_request_authorisation_sets_the_due_date() -> None:
    c = confirmation()
    c.request_authorisation(due=date(2026, 3, 16), at=LATER, actor=ACTOR)
    assert c.status is Status.AWAITING_AUTHORISATION
    assert c.authorisation_due == date(2026, 3, 16)
    assert c.version == 1
    (event,) = c.pending_events
    assert isinstance(event, events.StatusChanged)
    assert (event.from_status, event.to_status) == ("draft", "awaiting_authorisation")


def test_request_authorisation_refused_outside_draft_keeps_the_old_due_date() -> None:
    c = confirmation(Status.AUTHORISED, authorisation_due=date(2026, 3, 10))
    with pytest.raises(InvalidTransition):
        c.request_authorisation(due=date(2026, 4, 1), at=LATER, actor=ACTOR)
    assert c.authorisation_due == date(2026, 3, 10)
    assert c.pending_events == []


DUE = date(2026, 3, 16)


def awaiting() -> Confirmation:
    return confirmation(Status.AWAITING_AUTHORISATION, authorisation_due=DUE)


@pytest.mark.parametrize("today", [DUE - timedelta(days=5), DUE - timedelta(days=1), DUE])
def test_expire_authorisation_not_before_or_on_the_due_date(today: date) -> None:
    c = awaiting()
    assert c.expire_authorisation(today=today, at=LATER, actor="system") is False
    assert c.status is Status.AWAITING_AUTHORISATION
    assert c.version == 0
    assert c.pending_events == []


@pytest.mark.parametrize("today", [DUE + timedelta(days=1), DUE + timedelta(days=40)])
def test_expire_authorisation_after_the_due_date(today: date) -> None:
    c = awaiting()
    assert c.expire_authorisation(today=today, at=LATER, actor="system") is True
    assert c.status is Status.EXPIRED
    assert c.version == 1
    assert c.status_reason == "authorisation not given by 2026-03-16"
    assert c.pending_events == [
        events.StatusChanged(
            confirmation_id="conf_1",
            firm_org_id="firm_1",
            from_status="awaiting_authorisation",
            to_status="expired",
            at=LATER,
            actor="system",
            reason="authorisation not given by 2026-03-16",
        )
    ]


@pytest.mark.parametrize("source", sorted(set(Status) - {Status.AWAITING_AUTHORISATION}))
def test_expire_authorisation_only_in_awaiting_authorisation(source: Status) -> None:
    c = confirmation(source, authorisation_due=DUE)
    before = snapshot(c)
    assert c.expire_authorisation(today=DUE + timedelta(days=30), at=LATER, actor="system") is False
    assert snapshot(c) == before


def test_expire_authorisation_without_a_due_date_does_nothing() -> None:
    c = confirmation(Status.AWAITING_AUTHORISATION)
    assert c.expire_authorisation(today=date(2099, 1, 1), at=LATER, actor="system") is False
    assert c.status is Status.AWAITING_AUTHORISATION
    assert c.pending_events == []


# --- submit / take_events


def test_submit_records_confirmation_submitted() -> None:
    c = Confirmation.submit(actor=ACTOR, **fields())
    assert c.status is Status.DRAFT
    assert c.version == 0
    assert c.updated_at == CREATED
    assert c.pending_events == [
        events.ConfirmationSubmitted(
            confirmation_id="conf_1",
            firm_org_id="firm_1",
            engagement_id="eng_1",
            letter_type="bank_format1",
            letter_number="HZ-2026-0001",
            at=CREATED,
            actor=ACTOR,
        )
    ]
    event = c.pending_events[0]
    assert event.routing_key == "confirmation.submitted"
    assert event.aggregate_id == "conf_1"
    assert event.data()["at"] == CREATED.isoformat()


def test_take_events_returns_them_in_order_and_empties_the_list() -> None:
    c = Confirmation.submit(actor=ACTOR, **fields())
    c.request_authorisation(due=DUE, at=LATER, actor=ACTOR)
    taken = c.take_events()
    assert [type(e) for e in taken] == [events.ConfirmationSubmitted, events.StatusChanged]
    assert c.pending_events == []
    assert c.take_events() == []
    # New events after taking start a fresh list and do not touch what was taken.
    c.cancel(at=LATER, actor=ACTOR)
    assert len(taken) == 2
    assert [e.to_status for e in c.take_events()] == ["cancelled"]  # type: ignore[attr-defined]


def test_pending_events_are_not_shared_between_confirmations() -> None:
    a = confirmation()
    b = confirmation()
    a.move_to(Status.CANCELLED, at=LATER, actor=ACTOR)
    assert b.pending_events == []


def test_a_letter_that_could_not_be_made_fails_with_its_reason_and_only_it_can_be_retried(
) -> None:
    c = confirmation(Status.AUTHORISED, authorised_at=CREATED)
    assert c.letter_failed(reason="证书无法签发", at=LATER, actor="system")
    assert c.status is Status.FAILED and "证书无法签发" in (c.status_reason or "")
    assert c.retryable
    c.retry_letter(at=LATER, actor="auditor")
    assert c.status is Status.AUTHORISED
    assert [e.to_status for e in c.pending_events
            if isinstance(e, events.StatusChanged)] == ["failed", "authorised"]
    # Already past the letter stage: a late failure note changes nothing.
    made = confirmation(Status.DISPATCHED, authorised_at=CREATED, letter_sha256="a" * 64)
    assert not made.letter_failed(reason="x", at=LATER, actor="system")
    assert made.status is Status.DISPATCHED
    # Failed for another reason (after its letter was made): no retry.
    other = confirmation(Status.FAILED, authorised_at=CREATED, letter_sha256="a" * 64)
    with pytest.raises(InvalidTransition):
        other.retry_letter(at=LATER, actor="auditor")
    assert other.status is Status.FAILED

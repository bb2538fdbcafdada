"""A dispatched letter its channel has not taken yet: its state, and its deadline running."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hub.domain.model import Status, reply_overdue
from tests.unit.test_state_machine import confirmation

AT = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


def add_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def test_a_letter_waiting_for_its_channel_is_pending_then_parked_and_delivery_clears_it() -> None:
    c = confirmation(Status.LETTER_READY)
    c.dispatch(channel="bank_api_push", responder_id="r-1", at=AT, actor="system",
               reply_due=date(2026, 10, 19))
    assert c.reply_due == date(2026, 10, 19)
    assert c.delivery_waits(state="pending", reason="503") is True
    assert c.delivery_waits(state="pending", reason="503") is False  # once
    assert c.delivery_waits(state="parked", reason="gave up") is True
    assert (c.delivery_state, c.delivery_reason) == ("parked", "gave up")
    c.deliver(reply_due=date(2026, 10, 26), return_due=date(2026, 10, 14), at=AT, actor="bank")
    assert (c.delivery_state, c.delivery_reason, c.reply_due) == (None, None,
                                                                  date(2026, 10, 26))
    assert c.delivery_waits(state="pending", reason="late note") is False


def test_an_undelivered_letter_falls_due_and_gets_its_second_requests() -> None:
    c = confirmation(Status.DISPATCHED, reply_due=date(2026, 10, 19))
    assert reply_overdue(c.status, c.reply_due, date(2026, 10, 20))
    assert c.second_request_due((1, 3), date(2026, 10, 20), add_days)
    assert c.second_request(channel="bank_api_push", at=AT, actor="system") == 1
    assert not c.second_request_due((1, 3), date(2026, 10, 21), add_days)
    assert c.second_request_due((1, 3), date(2026, 10, 22), add_days)

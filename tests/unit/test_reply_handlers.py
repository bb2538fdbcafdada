"""Receipt, return, reply upload and reply checks, and the exactly-one-reply rule, on fakes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from hub.domain import commands, events
from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.model import Confirmation, Status
from hub.domain.replies import ReplyStatus, data_sha256
from hub.ports import ReplyCheck
from hub.services.exchange import Uploaded
from tests.unit.fakes import BANK_CERT, World, tiny_pdf, world


@pytest.fixture
async def w() -> World:
    w = world()
    done = await w.hub.handle(w.submit())
    cid = done.confirmation.id
    await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    return w


def letter_of(w: World) -> Confirmation:
    (c,) = w.db.confirmations.values()
    return c


def reply_data(c: Confirmation, differences: list[dict[str, Any]] | None = None
               ) -> dict[str, Any]:
    return {"letter_number": c.letter_number, "letter_sha256": c.letter_sha256,
            "letter_type": c.letter_type.value, "differences": differences or []}


def signed(c: Confirmation, data: dict[str, Any], *, problems: tuple[str, ...] = (),
           cert: str = BANK_CERT, **binding: str) -> ReplyCheck:
    """What the signature checker reports of a reply the bank signed for `c` and `data`."""
    bound = {"letter_number": c.letter_number, "letter_sha256": c.letter_sha256 or "",
             "reply_data_sha256": data_sha256(data), **binding}
    return ReplyCheck(problems=problems, signer="CN=中国工商银行上海分行 函证专用",
                      signer_sha256=hashlib.sha256(cert.encode()).hexdigest(), binding=bound)


async def upload(w: World, data: dict[str, Any] | None, text: str = "reply") -> Uploaded:
    c = letter_of(w)
    result: Uploaded = await w.hub.handle(commands.UploadReply(
        caller=w.teller, confirmation_id=c.id, pdf=tiny_pdf(text), data=data))
    return result


async def answer(w: World, check: ReplyCheck | None = None,
                 data: dict[str, Any] | None = None, text: str = "reply") -> Any:
    """Upload a reply and run its check; the checked reply."""
    c = letter_of(w)
    data = reply_data(c) if data is None else data
    w.hub.reply_checker.result = check or signed(c, data)
    up = await upload(w, data, text)
    return await w.hub.handle(commands.CheckReply(reply_id=up.reply.id))


# --------------------------------------------------------------------------- receipt and return


async def test_the_bank_acknowledges_receipt_and_the_deadlines_run_from_that_day(
        w: World) -> None:
    w.hub.clock.set_today(date(2026, 3, 4))
    c = letter_of(w)
    await w.hub.handle(commands.AcknowledgeReceipt(caller=w.teller, confirmation_id=c.id))
    c = letter_of(w)
    assert c.status is Status.DELIVERED
    # From Wednesday 4 March: 3 and 10 working days, Friday 6 March a holiday.
    assert (c.return_due, c.reply_due) == (date(2026, 3, 10), date(2026, 3, 19))


async def test_another_bank_cannot_see_the_letter(w: World) -> None:
    other = replace(w.teller, org_id="org-other-bank")
    with pytest.raises(NotFound):
        await w.hub.handle(commands.AcknowledgeReceipt(caller=other,
                                                       confirmation_id=letter_of(w).id))
    assert letter_of(w).status is Status.DISPATCHED


async def test_a_late_return_is_taken_but_flagged(w: World) -> None:
    c = letter_of(w)
    await w.hub.handle(commands.AcknowledgeReceipt(caller=w.teller, confirmation_id=c.id))
    w.hub.clock.set_today(date(2026, 3, 10))  # return_due was 2026-03-05
    returned, late = await w.hub.handle(commands.ReturnLetter(
        caller=w.teller, confirmation_id=c.id, code="R01", reason="账号不存在"))
    assert late and returned.status is Status.RETURNED
    assert "逾期退函" in (letter_of(w).status_reason or "")


async def test_a_return_in_time_is_not_flagged(w: World) -> None:
    c = letter_of(w)
    _, late = await w.hub.handle(commands.ReturnLetter(
        caller=w.teller, confirmation_id=c.id, code="R01", reason="账号不存在"))
    assert not late and letter_of(w).status is Status.RETURNED


# --------------------------------------------------------------------------- upload


async def test_a_reply_that_is_not_a_pdf_is_refused_by_field(w: World) -> None:
    with pytest.raises(ValidationFailed) as e:
        await w.hub.handle(commands.UploadReply(caller=w.teller,
                                                confirmation_id=letter_of(w).id,
                                                pdf=b"<html>", data=None))
    assert e.value.field == "reply.pdf"
    assert not w.db.replies and not w.hub.blobs.blobs.keys() - {letter_of(w).letter_sha256}


async def test_a_reply_is_kept_as_evidence_and_queued_for_its_check(w: World) -> None:
    up = await upload(w, reply_data(letter_of(w)))
    assert up.created and up.refused is None
    assert w.db.replies[up.reply.id].status is ReplyStatus.RECEIVED
    assert hashlib.sha256(tiny_pdf("reply")).hexdigest() in w.hub.blobs.blobs
    assert letter_of(w).status is Status.DELIVERED  # a reply is a receipt too
    assert [e.reply_id for e in w.db.events_of(events.ReplyReceived)] == [up.reply.id]


async def test_the_same_reply_twice_changes_nothing(w: World) -> None:
    first = await upload(w, reply_data(letter_of(w)))
    again = await upload(w, reply_data(letter_of(w)))
    assert not again.created and again.reply.id == first.reply.id
    assert len(w.db.replies) == 1 and len(w.db.events_of(events.ReplyReceived)) == 1


# --------------------------------------------------------------------------- checks


async def test_a_valid_bound_reply_verifies_the_letter(w: World) -> None:
    checked = await answer(w)
    assert checked.status is ReplyStatus.ACCEPTED
    assert checked.checks == {"signature_valid": True, "certificate_registered": True,
                              "bound_to_letter": True}
    c = letter_of(w)
    assert c.status is Status.VERIFIED and c.exception_count == 0
    assert w.db.replies[checked.id].status is ReplyStatus.ACCEPTED


async def test_differences_the_bank_states_become_exceptions(w: World) -> None:
    c = letter_of(w)
    diff = {"item": "deposits", "row": 0, "field": "balance", "kind": "value",
            "stated": "1000000.00", "confirmed": "998000.00", "explanation": "在途款项"}
    await answer(w, data=reply_data(c, [diff]))
    assert letter_of(w).exception_count == 1
    (found,) = w.db.exceptions
    assert found[2].difference == -2000 and found[2].item == "deposits"


async def test_a_reply_quoting_figures_the_letter_does_not_hold_is_rejected(w: World) -> None:
    c = letter_of(w)
    diff = {"item": "deposits", "row": 0, "field": "balance", "kind": "value",
            "stated": "5.00", "confirmed": "4.00"}
    checked = await answer(w, data=reply_data(c, [diff]))
    assert checked.status is ReplyStatus.REJECTED and "the letter says" in checked.reason
    assert letter_of(w).status is Status.DELIVERED


@pytest.mark.parametrize(("case", "says"), [
    ("bad signature", "the signature is broken"),
    ("unregistered certificate", "签名证书未登记"),
    ("another letter", "answers letter 'BC-2025-999'"),
    ("data changed", "not the data the bank signed"),
])
async def test_a_reply_that_fails_a_check_is_rejected_and_the_letter_waits(
        w: World, case: str, says: str) -> None:
    c = letter_of(w)
    data = reply_data(c)
    check = {
        "bad signature": signed(c, data, problems=("the signature is broken",)),
        "unregistered certificate": signed(c, data, cert="FAKE CERTIFICATE:CN=somebody"),
        "another letter": signed(c, data, letter_number="BC-2025-999"),
        "data changed": signed(c, {**data, "differences": [{"item": "x", "kind": "y"}]}),
    }[case]
    checked = await answer(w, check, data)

    assert checked.status is ReplyStatus.REJECTED and says in checked.reason
    assert letter_of(w).status is Status.DELIVERED
    (rejected,) = w.db.events_of(events.ReplyRejected)
    assert rejected.reply_id == checked.id and says in rejected.reason


async def test_a_rejected_reply_leaves_room_for_a_good_one(w: World) -> None:
    c = letter_of(w)
    await answer(w, signed(c, reply_data(c), problems=("broken",)), text="first")
    checked = await answer(w, text="second")
    assert checked.status is ReplyStatus.ACCEPTED and letter_of(w).status is Status.VERIFIED


async def test_a_reply_is_checked_once(w: World) -> None:
    checked = await answer(w)
    assert await w.hub.handle(commands.CheckReply(reply_id=checked.id)) is None
    assert len(w.hub.reply_checker.checked) == 1


# --------------------------------------------------------------------------- exactly one reply


async def test_a_second_reply_to_an_answered_letter_is_kept_but_does_not_count(
        w: World) -> None:
    first = await answer(w)
    second = await upload(w, reply_data(letter_of(w)), text="another reply")

    assert second.refused is not None and "函证已回复" in second.refused
    assert not second.created
    kept = w.db.replies[second.reply.id]
    assert kept.status is ReplyStatus.REJECTED and first.id in (kept.reason or "")
    assert letter_of(w).status is Status.VERIFIED
    assert [e.reply_id for e in w.db.events_of(events.ReplyRejected)] == [second.reply.id]


async def test_a_second_reply_while_the_first_awaits_its_check_does_not_count(
        w: World) -> None:
    first = await upload(w, reply_data(letter_of(w)), text="first")
    second = await upload(w, reply_data(letter_of(w)), text="second")
    assert second.refused is not None
    counted = [r for r in w.db.replies.values() if r.status is not ReplyStatus.REJECTED]
    assert [r.id for r in counted] == [first.reply.id]


async def test_a_reply_checked_after_the_letter_was_answered_does_not_count(
        w: World) -> None:
    """Two replies in flight (the portal and the API): the later check finds the letter
    answered and rejects its reply instead of verifying the letter twice."""
    c = letter_of(w)
    late = await upload(w, reply_data(c), text="late")
    # The letter gets answered another way meanwhile (as the portal does).
    c = letter_of(w)
    w.db.confirmations[c.id] = replace(c, status=Status.VERIFIED, exception_count=0,
                                       version=c.version + 2)
    w.hub.reply_checker.result = signed(c, reply_data(c))
    checked = await w.hub.handle(commands.CheckReply(reply_id=late.reply.id))
    assert checked.status is ReplyStatus.REJECTED and "函证已回复" in checked.reason
    assert w.hub.reply_checker.checked == []  # not even checked: it cannot count


async def test_a_reply_to_a_letter_not_yet_sent_is_refused(w: World) -> None:
    done = await w.hub.handle(w.submit(w.letter("BC-2025-002"), scope="loans"))
    with pytest.raises((Conflict, NotFound)):
        await w.hub.handle(commands.UploadReply(caller=w.teller,
                                                confirmation_id=done.confirmation.id,
                                                pdf=tiny_pdf("early"), data=None))
    assert not w.db.replies

"""The company portal's use cases on fakes: the one-time link, codes, lock, the answer, and a
negative letter nobody answered."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hub.domain import commands, events
from hub.domain.errors import PartSwitchedOff, PermanentError, ValidationFailed
from hub.domain.model import Status
from hub.domain.portal import (
    MAX_CODE_SENDS,
    MAX_WRONG_CODES,
    LinkStatus,
    LinkUnusable,
    PortalLink,
)
from hub.domain.replies import ReplyStatus
from hub.ports.standins import NoPortalReplies
from hub.services.portal import CodeResult, PortalInvite, PortalReplied
from tests.unit.fakes import (
    PortalLetter,
    World,
    delivered_company_letter,
    digest,
    dispatched_company_letter,
    outbox,
    verified_session,
    world,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def w() -> World:
    return world()


def link_of(w: World, sent: PortalLetter) -> PortalLink:
    (link,) = [x for x in w.db.portal_links.values() if x.confirmation_id == sent.confirmation_id]
    return link


async def verify(w: World, sent: PortalLetter, code: str) -> CodeResult:
    result: CodeResult = await w.hub.handle(commands.VerifyPortalCode(
        token_hash=sent.token_hash, code_hash=digest(code), session_hash=digest("s"),
        ip="198.51.100.9"))
    return result


async def reply(w: World, sent: PortalLetter, session: str | None, answer: str = "agreed",
                form: dict[str, str] | None = None, explanation: str = "",
                attachments: tuple[tuple[str, str, bytes], ...] = ()) -> PortalReplied:
    done: PortalReplied = await w.hub.handle(commands.SubmitPortalReply(
        token_hash=sent.token_hash, session_hash=session or digest("nobody"), answer=answer,
        form=form or {}, explanation=explanation, attachments=attachments,
        ip="203.0.113.7", user_agent="Firefox/140"))
    return done


# --------------------------------------------------------------------------- the link


async def test_one_dispatch_message_gets_one_link_however_often_it_is_delivered(
        w: World) -> None:
    cid = await dispatched_company_letter(w)
    open_it = commands.OpenPortalLink(confirmation_id=cid, message_id="m-1",
                                      token_hash=digest("t-1"), valid_days_after_due=7)
    first: PortalInvite = await w.hub.handle(open_it)
    again: PortalInvite = await w.hub.handle(open_it)  # the message redelivered
    assert again.link.id == first.link.id and len(w.db.portal_links) == 1
    assert w.db.event_names(cid).count("portal.link_sent") == 1
    # What the e-mail says: who asks, about what, by when; the link lasts 7 days past it.
    assert (first.letter_number, first.responder_name, first.client_name, first.firm_name) == (
        "MC-2025-001", "上海瑞禾贸易有限公司", "上海示例制造有限公司", "立信会计师事务所")
    assert first.reply_due == w.db.confirmations[cid].reply_due == date(2026, 3, 17)
    assert first.link.expires_at == datetime(2026, 3, 24, 16, 0, tzinfo=UTC)  # 3-25 00:00 CST
    note = w.db.events_of(events.PortalLinkSent)[0].reason
    assert "王会计 <a***@example.com>" in note and "ap@example.com" not in note
    assert "portal.link_sent" not in outbox(w.db)  # history only: nobody consumes it

    second: PortalInvite = await w.hub.handle(commands.OpenPortalLink(
        confirmation_id=cid, message_id="m-2", token_hash=digest("t-2"),
        valid_days_after_due=7, second_request=1))
    assert second.link.id != first.link.id and len(w.db.portal_links) == 2
    assert "催函（第 1 次）" in w.db.events_of(events.PortalLinkSent)[1].reason


async def test_no_link_for_a_letter_no_longer_waiting_and_none_for_a_bank_letter(
        w: World) -> None:
    sent = await delivered_company_letter(w)
    await reply(w, sent, await verified_session(w, sent), "agreed")
    assert await w.hub.handle(commands.OpenPortalLink(  # a second request queued before
        confirmation_id=sent.confirmation_id, message_id="m-late", token_hash=digest("t"),
        valid_days_after_due=7, second_request=1)) is None
    assert len(w.db.portal_links) == 1
    assert w.db.event_names(sent.confirmation_id).count("portal.link_sent") == 1

    bank = await w.hub.handle(w.submit())
    with pytest.raises(PermanentError, match="does not go through the portal"):
        await w.hub.handle(commands.OpenPortalLink(
            confirmation_id=bank.confirmation.id, message_id="m-2", token_hash=digest("t"),
            valid_days_after_due=7))


# --------------------------------------------------------------------------- codes


async def test_a_code_is_sent_to_the_registered_address_at_most_five_times(w: World) -> None:
    sent = await delivered_company_letter(w)
    for n in range(1, MAX_CODE_SENDS + 1):
        link = await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                                          code_hash=digest(f"{n:06d}")))
        assert link.code_sends == n
    notes = [e.reason for e in w.db.events_of(events.PortalCodeSent)]
    assert len(notes) == MAX_CODE_SENDS and "a***@example.com（第 5 次）" in notes[-1]
    with pytest.raises(ValidationFailed) as refused:
        await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                                   code_hash=digest("999999")))
    assert refused.value.field == "code"
    stored = link_of(w, sent)
    assert stored.code_sends == MAX_CODE_SENDS
    assert stored.code_hash == digest("000005")


async def test_the_right_code_verifies_once_and_opens_a_session(w: World) -> None:
    sent = await delivered_company_letter(w)
    await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                               code_hash=digest("246810")))
    w.hub.clock.advance(minutes=3)
    assert (await verify(w, sent, "246810")) == CodeResult("verified", MAX_WRONG_CODES)
    link = link_of(w, sent)
    assert link.session_hash == digest("s") and link.verified_at == w.hub.clock.now()
    (note,) = [e.reason for e in w.db.events_of(events.PortalVerified)]
    assert "来源 IP 198.51.100.9" in note and "2026-03-02 10:00 UTC+8 发送" in note
    # The code is single use: typed again, it is a wrong code.
    assert (await verify(w, sent, "246810")).outcome == "wrong"


async def test_a_code_typed_after_ten_minutes_is_wrong(w: World) -> None:
    sent = await delivered_company_letter(w)
    await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                               code_hash=digest("246810")))
    w.hub.clock.advance(minutes=10)
    assert await verify(w, sent, "246810") == CodeResult("wrong", MAX_WRONG_CODES - 1)
    assert link_of(w, sent).session_hash is None


async def test_wrong_codes_are_counted_and_the_fifth_locks_the_link_for_good(
        w: World) -> None:
    sent = await delivered_company_letter(w)
    await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                               code_hash=digest("246810")))
    left = [(await verify(w, sent, f"00000{n}")).wrong_left for n in range(MAX_WRONG_CODES - 1)]
    assert left == [4, 3, 2, 1]  # each wrong code is committed, not rolled back with an error
    assert await verify(w, sent, "000009") == CodeResult("locked", 0)
    assert link_of(w, sent).status is LinkStatus.LOCKED
    names = w.db.event_names(sent.confirmation_id)
    assert names.count("portal.code_rejected") == 4 and names[-1] == "portal.locked"
    # The firm sees it on the letter.
    (warning,) = w.db.confirmations[sent.confirmation_id].warnings
    assert "门户链接已锁定" in warning
    # Now even the right code, a new code or an answer meets a locked link.
    for cmd in (commands.SendPortalCode(token_hash=sent.token_hash, code_hash=digest("1")),
                commands.VerifyPortalCode(token_hash=sent.token_hash,
                                          code_hash=digest("246810"),
                                          session_hash=digest("s"), ip="x")):
        with pytest.raises(LinkUnusable) as refused:
            await w.hub.handle(cmd)
        assert refused.value.why == "locked"


async def test_an_unknown_or_expired_link_opens_nothing(w: World) -> None:
    sent = await delivered_company_letter(w)
    with pytest.raises(LinkUnusable) as unknown:
        await w.hub.handle(commands.SendPortalCode(token_hash=digest("guessed"),
                                                   code_hash=digest("1")))
    assert unknown.value.why == "unknown"
    w.hub.clock.advance(days=30)
    with pytest.raises(LinkUnusable) as late:
        await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                                   code_hash=digest("1")))
    assert late.value.why == "expired"
    assert w.db.event_names(sent.confirmation_id).count("portal.code_sent") == 0


# --------------------------------------------------------------------------- the answer


async def test_a_company_confirms_and_the_letter_is_verified_with_a_hub_sealed_reply(
        w: World) -> None:
    sent = await delivered_company_letter(w)
    session = await verified_session(w, sent)
    done = await reply(w, sent, session, "agreed", attachments=(("../../对账单.png", "x", PNG),))
    assert (done.answer, done.exceptions) == ("agreed", 0)
    c = w.db.confirmations[sent.confirmation_id]
    assert c.status is Status.VERIFIED and c.exception_count == 0
    (stored,) = w.db.replies.values()
    assert stored.status is ReplyStatus.ACCEPTED and stored.received_by == "portal:ap@example.com"
    assert stored.sha256 in w.hub.blobs.blobs and PNG in w.hub.blobs.blobs.values()
    assert (stored.data or {})["attachments"][0]["name"] == "对账单.png"  # no path, as stored
    assert (stored.data or {})["verification"]["email"] == "ap@example.com"
    assert link_of(w, sent).status is LinkStatus.USED
    assert "confirmation.status.verified" in outbox(w.db)  # the workpaper worker's cue
    with pytest.raises(LinkUnusable) as spent:
        await reply(w, sent, session, "agreed")
    assert spent.value.why == "used" and len(w.db.replies) == 1


async def test_without_a_verified_session_an_answer_changes_nothing(w: World) -> None:
    sent = await delivered_company_letter(w)
    with pytest.raises(LinkUnusable) as refused:
        await reply(w, sent, None, "agreed")
    assert refused.value.why == "not_verified"
    assert not w.db.replies and w.db.confirmations[sent.confirmation_id].status \
        is Status.DELIVERED


async def test_differences_become_exactly_the_companys_exceptions(w: World) -> None:
    sent = await delivered_company_letter(w)
    session = await verified_session(w, sent)
    form = {"row-0-owed_by_you": "1,865,000.00", "row-1-owed_by_you": "48000",
            "row-1-owed_to_you": "12500.00"}
    done = await reply(w, sent, session, "differences", form, explanation=" 有一笔货款在途 ")
    assert done.exceptions == 1
    ((_, _, found),) = w.db.exceptions
    assert (found.row, found.field, found.book_value, found.confirmed_value) == (
        0, "owed_by_you", "1865320.00", "1865000.00")
    assert str(found.difference) == "-320.00"
    c = w.db.confirmations[sent.confirmation_id]
    assert c.status is Status.VERIFIED and c.exception_count == 1
    assert (next(iter(w.db.replies.values())).data or {})["explanation"] == "有一笔货款在途"


@pytest.mark.parametrize(("answer", "form", "explanation", "files", "field"), [
    ("maybe", {}, "", (), "answer"),
    ("agreed", {"row-0-owed_by_you": "1865000.00"}, "", (), "answer"),
    ("differences", {"row-0-owed_by_you": "1865320.00", "row-1-owed_by_you": "48000.00",
                     "row-1-owed_to_you": "12500.00"}, "相符", (), "answer"),
    ("differences", {"row-0-owed_by_you": "1.00", "row-1-owed_by_you": "48000.00",
                     "row-1-owed_to_you": "12500.00"}, "  ", (), "explanation"),
    ("differences", {"row-0-owed_by_you": "1.00"}, "不符", (), "row-1-owed_by_you"),
    ("differences", {"row-0-owed_by_you": "一百万", "row-1-owed_by_you": "48000.00",
                     "row-1-owed_to_you": "12500.00"}, "不符", (), "row-0-owed_by_you"),
    ("agreed", {}, "", (("a.exe", "application/pdf", b"MZ\x90\x00"),), "attachments/0"),
    ("agreed", {}, "", (("a.png", "image/png", PNG),) * 6, "attachments"),
    ("agreed", {}, "x" * 2001, (), "explanation"),
])
async def test_a_bad_answer_names_its_field_and_changes_nothing(
        w: World, answer: str, form: dict[str, str], explanation: str,
        files: tuple[tuple[str, str, bytes], ...], field: str) -> None:
    sent = await delivered_company_letter(w)
    session = await verified_session(w, sent)
    blobs, logged = dict(w.hub.blobs.blobs), list(w.db.events)
    with pytest.raises(ValidationFailed) as refused:
        await reply(w, sent, session, answer, form, explanation, files)
    assert refused.value.field == field
    assert w.hub.blobs.blobs == blobs and w.db.events == logged and not w.db.replies
    assert w.db.confirmations[sent.confirmation_id].status is Status.DELIVERED
    assert link_of(w, sent).status is LinkStatus.ACTIVE
    done = await reply(w, sent, session, "agreed")  # and the session still answers
    assert done.answer == "agreed"


async def test_a_hub_that_seals_nothing_refuses_the_answer_and_the_link_stays_usable(
        w: World) -> None:
    sent = await delivered_company_letter(w)
    session = await verified_session(w, sent)
    w.hub.bus.deps = replace(w.hub.bus.deps, portal_reply_maker=NoPortalReplies())
    with pytest.raises(PartSwitchedOff):
        await reply(w, sent, session, "agreed")
    assert not w.db.replies and link_of(w, sent).status is LinkStatus.ACTIVE
    assert w.db.confirmations[sent.confirmation_id].status is Status.DELIVERED


# --------------------------------------------------------------------------- no answer


async def test_a_negative_letter_unanswered_past_its_deadline_is_concluded_once(
        w: World) -> None:
    negative = await delivered_company_letter(w, "MC-N-1", mode="negative")
    positive = await delivered_company_letter(w, "MC-P-1", mode="positive")
    due = w.db.confirmations[negative.confirmation_id].reply_due
    assert due is not None
    w.hub.clock.set_today(due)
    assert await w.hub.handle(commands.ConcludeUnansweredNegatives()) == []  # not yet late
    w.hub.clock.set_today(due + timedelta(days=1))
    assert await w.hub.handle(commands.ConcludeUnansweredNegatives()) == [
        negative.confirmation_id]
    c = w.db.confirmations[negative.confirmation_id]
    assert c.status is Status.VERIFIED and c.exception_count == 0
    (record,) = w.db.replies.values()
    assert (record.data or {})["conclusion"] == "no_difference_reported"
    assert (record.data or {})["links_sent"] == [{"email": "ap@example.com",
                                          "sent_at": "2026-03-02T02:00:00+00:00",
                                          "opened": False}]
    assert record.sha256 in w.hub.blobs.blobs
    assert (record.data or {})["reply_due"] == due.isoformat()
    assert w.db.confirmations[positive.confirmation_id].status is Status.DELIVERED
    assert await w.hub.handle(commands.ConcludeUnansweredNegatives()) == []  # once

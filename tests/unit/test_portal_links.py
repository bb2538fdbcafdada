"""Portal links, codes and company answers: the rules, without a database or a browser."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.portal.tokens import code_hash, link_token, token_hash
from hub.domain.errors import ValidationFailed
from hub.domain.model import Confirmation, LetterType, Mode, Status
from hub.domain.portal import (
    MAX_WRONG_CODES,
    LinkStatus,
    PortalLink,
    attachment_type,
    company_differences,
    conclude_without_reply,
    masked_email,
    typed_rows,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
LETTER = {"as_of_date": "2025-12-31", "mode": "positive", "rows": [
    {"owed_by_you": "1865320.00", "currency": "CNY", "note": "货款"},
    {"owed_by_you": "48000.00", "owed_to_you": "12500.00", "currency": "CNY"},
]}


def link(**changes: object) -> PortalLink:
    values: dict[str, object] = dict(
        id="l1", confirmation_id="c1", message_id="m1", token_hash="t" * 64,
        contact_name="张三", email="zhang@example.com", created_at=NOW,
        expires_at=NOW + timedelta(days=20))
    values.update(changes)
    return PortalLink(**values)  # type: ignore[arg-type]


def confirmation(status: Status = Status.DELIVERED, mode: Mode = Mode.POSITIVE
                 ) -> Confirmation:
    return Confirmation(
        id="c1", firm_org_id="f", engagement_id="e", client_org_id="k", responder_org_id="r",
        letter_type=LetterType.COMPANY_RECEIVABLE, mode=mode, letter_number="LN-1",
        as_of_date=date(2025, 12, 31), letter=LETTER, business_key="b", created_at=NOW,
        status=status, reply_due=date(2026, 1, 19))


def test_the_same_message_gets_the_same_unguessable_link_and_another_message_another() -> None:
    secret = b"k" * 32
    first = link_token(secret, "message-1")
    assert first == link_token(secret, "message-1")  # a retry e-mails the same link
    assert first != link_token(secret, "message-2") != link_token(b"other", "message-1")
    assert len(first) >= 43  # 256 bits in base64url
    assert token_hash(first) != first and len(token_hash(first)) == 64


def test_wrong_codes_count_and_the_fifth_locks_the_link_for_good() -> None:
    secret = b"k" * 32
    k = link()
    k.code_issued(code_hash(secret, k.token_hash, "123456"), NOW)
    for n in range(1, MAX_WRONG_CODES):
        assert not k.try_code(code_hash(secret, k.token_hash, "654321"), NOW)
        assert k.wrong_codes == n and k.status is LinkStatus.ACTIVE
    assert not k.try_code(code_hash(secret, k.token_hash, "654321"), NOW)
    assert k.status is LinkStatus.LOCKED
    assert not k.try_code(code_hash(secret, k.token_hash, "123456"), NOW)
    assert k.refusal(confirmation(), NOW) == "locked"


def test_a_code_works_once_and_only_until_it_expires() -> None:
    k = link()
    k.code_issued("h1", NOW)
    assert not k.try_code("h1", NOW + timedelta(minutes=10))  # expired
    k.code_issued("h2", NOW)
    assert k.try_code("h2", NOW + timedelta(minutes=9))
    assert not k.try_code("h2", NOW + timedelta(minutes=9))  # used


def test_codes_are_sent_a_limited_number_of_times() -> None:
    k = link()
    for _ in range(5):
        k.code_issued("h", NOW)
    with pytest.raises(ValidationFailed):
        k.code_issued("h", NOW)


def test_a_link_opens_only_while_its_letter_awaits_a_reply_and_before_it_expires() -> None:
    k = link()
    assert k.refusal(confirmation(), NOW) is None
    assert k.refusal(confirmation(), k.expires_at) == "expired"
    assert k.refusal(confirmation(Status.VERIFIED), NOW) == "used"
    assert k.refusal(confirmation(Status.DISPATCHED), NOW) == "closed"
    assert k.refusal(None, NOW) == "closed"
    k.verified("s" * 64, NOW)
    assert k.has_session("s" * 64, NOW) and not k.has_session("x" * 64, NOW)
    assert not k.has_session(None, NOW)
    k.used("reply", NOW)
    assert k.refusal(confirmation(), NOW) == "used" and not k.has_session("s" * 64, NOW)


def test_the_exceptions_are_the_figures_the_company_typed_against_the_letters() -> None:
    typed = typed_rows(LETTER, {"row-0-owed_by_you": "1,865,000", "row-1-owed_by_you": "48000",
                                "row-1-owed_to_you": "12000.5"})
    assert typed[0]["owed_by_you"] == "1865000.00" and typed[1]["owed_to_you"] == "12000.50"
    found = company_differences(LETTER, typed)
    assert [(e.row, e.field, e.book_value, e.confirmed_value, e.difference) for e in found] == [
        (0, "owed_by_you", "1865320.00", "1865000.00", Decimal("-320.00")),
        (1, "owed_to_you", "12500.00", "12000.50", Decimal("-499.50")),
    ]


def test_a_figure_the_letter_states_must_be_typed_never_taken_from_the_letter() -> None:
    with pytest.raises(ValidationFailed) as e:
        typed_rows(LETTER, {"row-0-owed_by_you": "1865320.00", "row-1-owed_by_you": "48000"})
    assert e.value.field == "row-1-owed_to_you"
    with pytest.raises(ValidationFailed) as e:
        typed_rows(LETTER, {"row-0-owed_by_you": "一百万", "row-1-owed_by_you": "1",
                            "row-1-owed_to_you": "1"})
    assert e.value.field == "row-0-owed_by_you"


def test_a_figure_the_letter_does_not_state_is_a_difference_without_an_amount() -> None:
    typed = typed_rows(LETTER, {"row-0-owed_by_you": "1865320.00", "row-0-owed_to_you": "300",
                                "row-1-owed_by_you": "48000", "row-1-owed_to_you": "12500"})
    [e] = company_differences(LETTER, typed)
    assert (e.row, e.field, e.book_value, e.confirmed_value, e.difference) == (
        0, "owed_to_you", None, "300.00", None)


@pytest.mark.parametrize(("data", "media_type"), [
    (b"%PDF-1.7\n", "application/pdf"), (b"\x89PNG\r\n\x1a\n..", "image/png"),
    (b"\xff\xd8\xff\xe0..", "image/jpeg")])
def test_supporting_files_are_typed_by_their_first_bytes(data: bytes, media_type: str) -> None:
    assert attachment_type("x", data, "f") == media_type


@pytest.mark.parametrize("data", [b"MZ\x90\x00", b"<html>", b"", b"%PDF-" + b"0" * 5 * 2**20])
def test_other_empty_or_large_files_are_refused(data: bytes) -> None:
    with pytest.raises(ValidationFailed):
        attachment_type("x.pdf", data, "attachments/0")


def test_an_unanswered_negative_letter_is_complete_with_no_difference_reported() -> None:
    c = confirmation(mode=Mode.NEGATIVE)
    conclude_without_reply(c, at=NOW, actor="system")
    assert c.status is Status.VERIFIED and c.exception_count == 0
    assert "no_difference_reported" in (c.status_reason or "")
    with pytest.raises(ValidationFailed):
        conclude_without_reply(confirmation(), at=NOW, actor="system")


def test_the_address_is_shown_masked() -> None:
    assert masked_email("zhang@example.com") == "z***@example.com"


def test_an_agreement_with_other_figures_typed_in_says_two_things() -> None:
    from hub.domain.portal import figures_contradict

    assert not figures_contradict(LETTER, {})
    assert not figures_contradict(LETTER, {"row-0-owed_by_you": "1,865,320"})  # the same
    assert figures_contradict(LETTER, {"row-0-owed_by_you": "1865000"})
    assert figures_contradict(LETTER, {"row-0-owed_to_you": "1"})  # a figure the letter lacks

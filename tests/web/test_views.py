"""The confirmations table: filters, search, overdue first, pages; the signature report."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.domain.model import Confirmation, LetterType, Mode, Status
from hub.domain.replies import Reply, ReplyStatus
from hub.web.views import Filters, signature_report, table

TODAY = date(2026, 11, 30)


def letter(n: int, status: Status = Status.DELIVERED, *, due: date | None = None,
           exceptions: int | None = None, responder: str = "中国示范银行") -> Confirmation:
    return Confirmation(
        id=f"c{n}", firm_org_id="f", engagement_id="e", client_org_id="k",
        responder_org_id="r", letter_type=LetterType.BANK_FORMAT1, mode=Mode.POSITIVE,
        letter_number=f"LN-{n:03d}", as_of_date=date(2025, 12, 31),
        letter={"responder": {"name": responder}}, business_key=f"b{n}",
        created_at=datetime(2026, 11, 1, tzinfo=UTC), status=status, reply_due=due,
        exception_count=exceptions)


LETTERS = [
    letter(1, due=date(2026, 12, 10)),
    letter(2, due=date(2026, 11, 27)),  # overdue
    letter(3, Status.VERIFIED, exceptions=2, responder="北京示例贸易有限公司"),
    letter(4, Status.VERIFIED, exceptions=0),
    letter(5, Status.REPLIED, due=date(2026, 11, 1)),  # answered: not overdue
]


def numbers(query: dict[str, str], size: int = 50) -> list[str]:
    return [r.letter_number for r in table(LETTERS, Filters.from_query(query), TODAY, size).rows]


def test_each_filter_and_the_search_narrow_the_table() -> None:
    assert numbers({}) == ["LN-002", "LN-001", "LN-003", "LN-004", "LN-005"]  # overdue first
    assert numbers({"overdue": "1"}) == ["LN-002"]
    assert numbers({"exceptions": "1"}) == ["LN-003"]
    assert numbers({"status": "verified"}) == ["LN-003", "LN-004"]
    assert numbers({"q": "示例贸易"}) == ["LN-003"]
    assert numbers({"q": "ln-00"}) == ["LN-002", "LN-001", "LN-003", "LN-004", "LN-005"]
    assert numbers({"q": "LN-004"}) == ["LN-004"]


def test_bad_filter_values_are_ignored_not_an_error() -> None:
    flt = Filters.from_query({"status": "<b>", "page": "-3", "overdue": "yes"})
    assert flt == Filters()
    assert numbers({"status": "nonsense", "page": "999"}, size=2) == ["LN-005"]  # last page


def test_pages_keep_the_filters() -> None:
    t = table(LETTERS, Filters.from_query({"page": "2", "status": "verified"}), TODAY, 1)
    assert (t.page, t.pages, t.total) == (2, 2, 2)
    assert Filters.from_query({"q": "x", "exceptions": "1"}).query(3) == {
        "page": "3", "exceptions": "1", "q": "x"}


def test_the_signature_report_names_the_check_that_failed() -> None:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    ok = signature_report(Reply("r1", "c1", "a" * 64, at, "bank", ReplyStatus.ACCEPTED,
                                signer="京华银行", signer_sha256="b" * 64))
    assert (ok.valid, ok.registered, ok.bound) == (True, True, True)
    unregistered = signature_report(Reply(
        "r2", "c1", "a" * 64, at, "bank", ReplyStatus.REJECTED, signer="某人",
        signer_sha256="c" * 64,
        reason="签名证书未登记 / the reply is signed by 某人, whose certificate is not "
               "registered for 京华银行"))
    assert (unregistered.valid, unregistered.registered, unregistered.bound) == (
        True, False, True)
    unbound = signature_report(Reply(
        "r3", "c1", "a" * 64, at, "bank", ReplyStatus.REJECTED, signer="京华银行",
        signer_sha256="b" * 64,
        reason="the signed reply answers letter 'LN-9', not LN-1"))
    assert (unbound.valid, unbound.registered, unbound.bound) == (True, True, False)
    pending = signature_report(Reply("r4", "c1", "a" * 64, at, "bank"))
    assert (pending.valid, pending.registered, pending.bound) == (None, None, None)


def test_after_signing_in_the_browser_goes_only_to_a_page_of_the_ui() -> None:
    from hub.web.security import safe_next

    assert safe_next("/web/confirmations/c1?x=1") == "/web/confirmations/c1?x=1"
    for elsewhere in ("https://evil.example/web/", "//evil.example/web/", "/api/v1/x",
                      "/web/\\evil", "", None):
        assert safe_next(elsewhere) == "/web/", elsewhere

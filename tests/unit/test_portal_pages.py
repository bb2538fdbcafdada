"""The portal's pages: what the responder reads is escaped, phone-sized, and self-contained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from adapters.portal import pages
from hub.domain.model import Confirmation, LetterType, Mode, Status

EVIL = '<script>alert("x")</script>'


@dataclass
class View:
    confirmation: Confirmation
    client_name: str
    firm_name: str
    letter_pdf_sha256: str | None


def view() -> View:
    letter = {"as_of_date": "2025-12-31", "responder": {"name": EVIL},
              "reply_to": {"firm_name": "信达会计师事务所"}, "other_matters": EVIL,
              "rows": [{"owed_by_you": "100.00", "currency": "CNY", "note": EVIL}]}
    c = Confirmation(
        id="c1", firm_org_id="f", engagement_id="e", client_org_id="k", responder_org_id="r",
        letter_type=LetterType.COMPANY_PAYABLE, mode=Mode.NEGATIVE, letter_number="LN-<1>",
        as_of_date=date(2025, 12, 31), letter=letter, business_key="b",
        created_at=datetime(2026, 1, 1, tzinfo=UTC), status=Status.DELIVERED,
        reply_due=date(2026, 1, 15))
    return View(c, EVIL, "信达", "ab" * 32)


def test_every_outside_value_on_the_letter_page_is_escaped() -> None:
    html = pages.letter_page("/portal/l/t", view(), "csrf", error=EVIL,
                             form={"explanation": EVIL, "row-0-owed_by_you": '"><b>'})
    assert "<script>" not in html and '"><b>' not in html
    assert "&lt;script&gt;" in html and "LN-&lt;1&gt;" in html
    assert "消极式" in html and "应付账款" in html


def test_pages_are_phone_sized_chinese_and_load_nothing_from_outside() -> None:
    for html in (pages.landing("/portal/l/t", "z***@example.com", "c"),
                 pages.error_page("expired"), pages.letter_page("/portal/l/t", view(), "c")):
        assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
        assert "http://" not in html and "https://" not in html and "<script" not in html


def test_the_link_token_never_reaches_the_request_log() -> None:
    from hub.api.problems import loggable

    assert loggable("/portal/l/Vy5pbukXuqj6vVpHQkIaov7xV1s/letter") == "/portal/l/***/letter"
    assert loggable("/portal/l/Vy5pbukXuqj6vVpHQkIaov7xV1s") == "/portal/l/***"
    assert loggable("/api/v1/confirmations") == "/api/v1/confirmations"

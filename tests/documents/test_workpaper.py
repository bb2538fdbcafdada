"""The reply workpaper: facts, warnings, exceptions, signature report, history and hub seal."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest

from hub.documents import (
    UnknownLetterType,
    UnprintableCharacter,
    render_workpaper,
    render_workpaper_document,
)
from hub.domain.model import Status
from hub.domain.responders import Channel
from tests.documents import letters
from tests.documents.conftest import CLIENT, CREATED, page_count, seal_page_words, squash
from tests.documents.test_fonts import content_streams


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


LETTER_SHA = sha("the signed letter MC-2025-BJ-0417")
REPLY_SHA = sha("the signed reply")
BANK_CERT = sha("bank certificate")
FIRM_CERT = sha("firm certificate")
WARNING = "本项目覆盖了登记的函证地址（engagement override of the registered address）"
EVENT_TYPES = ("confirmation.submitted", "confirmation.status_changed", "letter.dispatched",
               "letter.delivery_failed", "letter.second_request", "reply.received",
               "reply.rejected")
HISTORY_HEADER = "序号时间事件状态变化操作者原因事件日志哈希（SHA-256）"
# (exception, its row as `pdftotext -raw` reads it: cell after cell, whitespace removed)
EXCEPTIONS: list[tuple[dict[str, Any], str]] = [
    ({"item": "deposits", "row": 2, "field": "balance", "kind": "value",
      "book_value": "136852.40", "confirmed_value": "136800.00", "difference": "-52.40",
      "explanation": "银行记录余额不同"},
     "1.银行存款3账户余额136,852.40136,800.00-52.40银行记录余额不同"),
    ({"item": "guarantees_for_others_to_bank", "row": 0, "field": "guarantee_balance",
      "kind": "value", "book_value": "3000000.00", "confirmed_value": "2500000.00",
      "difference": "-500000.00", "explanation": "担保已部分解除"},
     "6.担保(1)本公司为其他单位提供的、以贵行为担保受益人的担保1担保余额3,000,000.00"
     "2,500,000.00-500,000.00担保已部分解除"),
    ({"item": "loans", "row": None, "field": None, "kind": "not_in_letter",
      "book_value": None, "difference": None, "explanation": "银行回函列示而账面未列示",
      "confirmed_value": {"borrower_name": CLIENT, "loan_account_number": "0200004527100099999",
                          "currency": "CNY", "balance": "1000000.00"}},
     f"2.银行借款——未列示借款人名称：{CLIENT}借款账号：0200004527100099999币种：CNY"
     "余额：1,000,000.00—银行回函列示而账面未列示"),
    ({"item": "closed_accounts", "row": 0, "field": None, "kind": "not_at_bank",
      "book_value": {"account_number": "11050188000000001", "currency": "CNY"},
      "confirmed_value": None, "difference": None, "explanation": "账面第 1 行银行回函未列示"},
     "期间内注销的银行存款账户1—银行账号：11050188000000001币种：CNY回函未列示—"
     "账面第1行银行回函未列示"),
]
SIGNATURES: list[tuple[dict[str, Any], str]] = [
    ({"document": "letter", "field_name": "FirmSeal", "signer": "CN=明诚会计师事务所",
      "certificate_sha256": FIRM_CERT, "signing_time": "2026-01-05T01:59:00+00:00",
      "timestamp": "2026-01-05T01:59:01+00:00", "valid": True, "trusted": True,
      "intact": True, "pades_level": "B-LT", "problems": []},
     f"询证函FirmSealCN=明诚会计师事务所{FIRM_CERT[:8]}…（注1）2026-01-0509:59:00"
     "2026-01-0509:59:01B-LT有效无"),
    ({"document": "reply", "field_name": "BankSeal",
      "signer": "CN=京华商业银行股份有限公司北京分行",
      "certificate_sha256": BANK_CERT, "signing_time": "2026-01-09T06:10:00+00:00",
      "timestamp": None, "valid": True, "trusted": False, "intact": True,
      "pades_level": "B-B", "problems": ["certificate not issued by a trusted root"]},
     f"回函BankSealCN=京华商业银行股份有限公司北京分行{BANK_CERT[:8]}…（注2）2026-01-0914:10:00"
     "无B-B无效certificatenotissuedbyatrustedroot"),
    ({"document": "reply", "field_name": "ClientSeal", "signer": "CN=北京堃喆昇科技有限公司",
      "certificate_sha256": None, "signing_time": None, "timestamp": None, "valid": False,
      "trusted": False, "intact": False, "pades_level": None, "problems": []},
     "回函ClientSealCN=北京堃喆昇科技有限公司——无—无效签名验证未通过；签名证书不受信任；签名后文件已被修改"),
]


def history_entry(i: int, **changes: Any) -> dict[str, Any]:
    entry = {"seq": 11 + i, "at": f"2026-01-{5 + i % 20:02d}T02:{i % 60:02d}:00+00:00",
             "event_type": "confirmation.status_changed", "from_status": "delivered",
             "to_status": "replied", "actor": "system",
             "reason": "银行回函已接收" if i % 2 else None, "hash": sha(f"event {i}")}
    entry.update(changes)
    return entry


def workpaper(**changes: Any) -> dict[str, Any]:
    paper: dict[str, Any] = {
        "engagement": {"name": "2025年度财务报表审计", "reference": "MC-2025-017",
                       "client_name": CLIENT, "client_uscc": "91110108MA01C7XK3X",
                       "period_start": "2025-01-01", "period_end": "2025-12-31"},
        "firm": {"name": "明诚会计师事务所（特殊普通合伙）"},
        "confirmation": {"id": "0f8c2a8e-4b7d-4c1e-9d0a-2f7e5b1c9a33",
                         "letter_number": "MC-2025-BJ-0417", "letter_type": "bank_format1",
                         "mode": "positive", "as_of_date": "2025-12-31", "status": "verified",
                         "letter_sha256": LETTER_SHA,
                         "dispatched_at": "2026-01-05T02:00:00+00:00",
                         "delivered_at": "2026-01-05T02:03:10+00:00",
                         "reply_due": "2026-01-19", "second_requests": 1,
                         "warnings": [WARNING]},
        "responder": {"name": "京华商业银行股份有限公司北京分行", "uscc": "91110000MA00BK7Q0G",
                      "bank_code": "313100000013", "channel": "bank_api_pull"},
        "reply": {"sha256": REPLY_SHA, "received_at": "2026-01-09T06:12:00+00:00",
                  "signer": "CN=京华商业银行股份有限公司北京分行", "signer_sha256": BANK_CERT,
                  "conclusion": "differences"},
        "exceptions": copy.deepcopy([e for e, _ in EXCEPTIONS]),
        "signatures": copy.deepcopy([s for s, _ in SIGNATURES]),
        "history": [
            history_entry(0, event_type="confirmation.submitted", from_status=None,
                          to_status="draft", actor="api_key:3f2a", hash=None),
            history_entry(1, from_status="dispatched", to_status="delivered"),
            history_entry(2),
            history_entry(3, from_status="replied", to_status="verified",
                          reason="签名有效，绑定询证函"),
        ],
    }
    paper.update(changes)
    return paper


def rendered(paper: dict[str, Any]) -> Any:
    return render_workpaper_document(paper, created_at=CREATED)


def test_the_header_states_engagement_letter_responder_dates_and_both_digests(pdf_text):
    pdf = rendered(workpaper()).pdf
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat, words = squash(text), text.split()
    for fact in ("回函核对底稿", "Confirmationworkpaper", "审计项目：2025年度财务报表审计",
                 "项目编号：MC-2025-017", f"被审计单位：{CLIENT}",
                 "统一社会信用代码：91110108MA01C7XK3X",
                 "审计期间：2025年1月1日至2025年12月31日",
                 "会计师事务所：明诚会计师事务所（特殊普通合伙）", "函证编号：MC-2025-BJ-0417",
                 "函证类型：银行询证函（格式一）",
                 "函证基准日：2025年12月31日", "函证状态：已核验",
                 "被询证单位：京华商业银行股份有限公司北京分行",
                 "统一社会信用代码：91110000MA00BK7Q0G", "行号：313100000013",
                 "发函渠道：银行接口（银行从函证中心收取）",
                 "发函时间：2026-01-0510:00:00", "送达时间：2026-01-0510:03:10",
                 "回函期限：2026年1月19日", "催函次数：1", "回函接收时间：2026-01-0914:12:00",
                 "回函结论：存在不符事项"):
        assert fact in flat, fact
    for digest in (LETTER_SHA, REPLY_SHA, BANK_CERT):
        assert any(word.endswith(digest) for word in words), f"{digest} is not whole"
        assert digest in squash(pdf_text(pdf, 1)), "the digests belong on the first page"
    assert f"询证函SHA-256：{LETTER_SHA}" in flat and f"回函SHA-256：{REPLY_SHA}" in flat


def test_the_warnings_are_boxed_under_their_own_heading(pdf_text):
    raw = squash(pdf_text(rendered(workpaper()).pdf, None, "-raw"))
    assert "警示Warnings（请复核）1." + squash(WARNING) in raw
    quiet = workpaper()
    quiet["confirmation"]["warnings"] = []
    assert "二、警示Warnings无" in squash(pdf_text(rendered(quiet).pdf, None, "-raw"))


def test_each_exception_shows_item_row_field_both_values_and_the_difference(pdf_text):
    raw = squash(pdf_text(rendered(workpaper()).pdf, None, "-raw"))
    assert "发现4项差异" in raw
    assert "项目行次字段账面/询证函回函确认差额说明" in raw
    for exception, row in EXCEPTIONS:
        assert row in raw, f"{exception['item']} / {exception['field']} is not shown as {row}"
    assert "核对相符" not in raw


def test_a_workpaper_without_exceptions_says_they_agree(pdf_text):
    paper = workpaper(exceptions=[])
    paper["reply"]["conclusion"] = "agreed"
    flat = squash(pdf_text(rendered(paper).pdf))
    assert "三、核对结果Comparison经逐项核对" not in flat
    assert "核对相符，无差异" in flat and "回函结论：相符" in flat
    assert "账面/询证函" not in flat


def test_each_signature_has_its_verdict_and_its_certificate_in_full(pdf_text):
    pdf = rendered(workpaper()).pdf
    raw = squash(pdf_text(pdf, None, "-raw"))
    for signature, row in SIGNATURES:
        assert row in raw, f"{signature['field_name']} is not shown as {row}"
    assert f"注1：{FIRM_CERT}" in raw and f"注2：{BANK_CERT}" in raw
    assert "注3" not in raw  # a signature without a certificate has no note


def test_every_history_entry_shows_its_full_event_log_hash(pdf_text):
    paper = workpaper()
    raw = squash(pdf_text(rendered(paper).pdf, None, "-raw"))
    assert HISTORY_HEADER in raw
    assert "112026-01-0510:00:00提交函证→草稿api_key:3f2a——" in raw
    assert "132026-01-0710:02:00状态变更已送达→已回函系统—" + sha("event 2") in raw
    assert ("142026-01-0810:03:00状态变更已回函→已核验系统签名有效，绑定询证函"
            + sha("event 3")) in raw
    for entry in paper["history"]:
        if entry["hash"]:
            assert entry["hash"] in raw, entry["seq"]


def test_many_history_entries_run_over_pages_each_headed(pdf_text):
    paper = workpaper(history=[history_entry(i) for i in range(80)])
    done = rendered(paper)
    total = page_count(done.pdf)
    assert total == done.pages >= 3
    pages = [squash(pdf_text(done.pdf, n, "-raw")) for n in range(1, total + 1)]
    for n, page in enumerate(pages, start=1):
        assert page.startswith("函证编号：MC-2025-BJ-0417函证基准日：2025-12-31"
                               f"第{n}页/共{total}页"), f"page {n}"
    holding = [n for n, page in enumerate(pages) if "已送达→已回函" in page]
    assert len(holding) >= 2
    for n in holding:
        assert HISTORY_HEADER in pages[n], f"page {n + 1} has history but no header row"
    for entry in paper["history"]:
        assert any(entry["hash"] in page for page in pages), entry["seq"]


def test_statuses_events_and_channels_are_named_in_chinese(pdf_text):
    history = [history_entry(i, from_status=None, to_status=status.value,
                             event_type=EVENT_TYPES[i % len(EVENT_TYPES)])
               for i, status in enumerate(Status)]
    for channel in Channel:
        paper = workpaper(history=history)
        paper["responder"]["channel"] = channel.value
        text = pdf_text(rendered(paper).pdf, None, "-raw")
        assert f"发函渠道：{channel.value}" not in squash(text), f"{channel} has no Chinese name"
    printed = squash(text.split("五、状态历史")[1])
    for name in (*(s.value for s in Status), *EVENT_TYPES):
        assert name not in printed, f"{name} is printed untranslated"
    for label in ("→待授权", "→底稿已送达", "→已退函", "提交函证", "发出催函", "回函被拒收"):
        assert label in printed


@pytest.mark.parametrize(("letter_type", "mode", "title"), [
    ("bank_format2", "positive", "银行询证函（格式二）"),
    ("bank_capital", "positive", "验资业务银行询证函"),
    ("company_receivable", "negative", "企业询证函（应收账款·消极式）"),
    ("company_payable", "positive", "企业询证函（应付账款·积极式）"),
])
def test_the_letter_type_is_titled_as_the_letter_is(letter_type, mode, title, pdf_text):
    paper = workpaper()
    paper["confirmation"].update(letter_type=letter_type, mode=mode)
    if not letter_type.startswith("bank"):
        paper["responder"].pop("bank_code")
    flat = squash(pdf_text(rendered(paper).pdf, 1))
    assert f"函证类型：{title}" in flat
    assert ("行号" in flat) == letter_type.startswith("bank")


def test_an_unknown_letter_type_is_refused():
    paper = workpaper()
    paper["confirmation"]["letter_type"] = "bank_format9"
    with pytest.raises(UnknownLetterType) as caught:
        render_workpaper(paper, created_at=CREATED)
    assert caught.value.field == "/confirmation/letter_type"


@pytest.mark.parametrize("pointer", [
    "/engagement/name",
    "/engagement/client_name",
    "/firm/name",
    "/confirmation/letter_number",
    "/confirmation/warnings/0",
    "/responder/name",
    "/reply/signer",
    "/exceptions/0/explanation",
    "/exceptions/0/confirmed_value",
    "/exceptions/2/confirmed_value/borrower_name",
    "/exceptions/3/book_value/account_number",
    "/signatures/1/signer",
    "/signatures/1/problems/0",
    "/history/3/reason",
    "/history/0/actor",
])
def test_an_unprintable_character_names_its_field(pointer):
    paper = workpaper()
    letters.resolve(paper, pointer)  # the value exists: the test replaces it
    parent, key = pointer.rsplit("/", 1)
    holder = letters.resolve(paper, parent)
    holder[int(key) if isinstance(holder, list) else key] = "有\ue000字"
    with pytest.raises(UnprintableCharacter) as caught:
        render_workpaper(paper, created_at=CREATED)
    assert caught.value.field == pointer
    assert caught.value.character == "\ue000" and pointer in caught.value.message


def test_text_is_never_smaller_than_wuhao_nor_coloured():
    paper = workpaper(history=[history_entry(i) for i in range(40)])
    for stream in content_streams(rendered(paper).pdf):
        sizes = [float(s) for s in re.findall(rb"([\d.]+) Tf\b", stream)]
        assert sizes and min(sizes) >= 10.5
        assert not re.search(rb"\brg\b|\bk\b|\bsc\b|\bscn\b", stream)


@pytest.mark.parametrize("entries", [4, 60], ids=["one_page_history", "several_pages"])
def test_the_hub_seal_box_is_empty_and_inside_the_last_page(entries, pdftotext_bin, tmp_path):
    done = rendered(workpaper(history=[history_entry(i) for i in range(entries)]))
    assert set(done.signature_boxes) == {"hub"}
    words, (x1, top, x2, bottom) = seal_page_words(done, "hub", pdftotext_bin,
                                                   tmp_path / "workpaper.pdf")
    closing = [w for w in words if "证书加盖电子印章" in w[4]]
    assert closing, "the closing line is not on the seal's page"
    label = [w for w in words if "电子函证中心电子印章" in w[4]]
    assert label and float(label[0][3]) <= top + 1, "the seal label is not above the box"
    for *corners, word in words:
        wx1, wy1, wx2, wy2 = map(float, corners)
        assert not (wx1 < x2 and wx2 > x1 and wy1 < bottom and wy2 > top), f"{word} in the box"


def test_same_workpaper_same_bytes(pdf_text):
    paper = workpaper()
    assert rendered(paper).pdf == rendered(copy.deepcopy(paper)).pdf
    assert "生成时间：2026-01-0517:30:00" in squash(pdf_text(rendered(paper).pdf))

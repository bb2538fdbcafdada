"""The control sheet (函证控制表) through the HTTP API: letters in every state, read back from
the XLSX with openpyxl and from the PDF with pdftotext; alternative procedures (替代程序)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.domain.commands import SendSecondRequests
from hub.domain.labels import CHANNEL, STATUS
from hub.domain.model import Status
from hub.domain.responders import Channel
from hub.infra.clocks import FrozenClock
from tests.conftest import unique
from tests.e2e.conftest import Firm, Hub, frozen_hub, make_firm
from tests.e2e.test_bank_exchange import Bank, dispatched_letter, reply_for, upload
from tests.e2e.test_letters import wait_status
from tests.e2e.test_portal import wait_document
from tests.web.conftest import signed_in

# Monday 28 September 2026, 10:00 in Beijing.
START = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, clock: FrozenClock) -> AsyncIterator[Hub]:
    async with frozen_hub(stack, tmp_path, clock) as h:
        yield h


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it, without any whitespace."""
    binary = shutil.which("pdftotext")
    if binary is None:
        message = "pdftotext is not installed (apt-get install -y poppler-utils)"
        if UNDER_CI:
            pytest.fail(message + "; CI must have it", pytrace=False)
        pytest.skip(message)
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    done = subprocess.run([binary, "-enc", "UTF-8", str(source), "-"], capture_output=True,
                          check=True, timeout=60)
    return "".join(done.stdout.decode("utf-8").split())


def read_xlsx(data: bytes) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the header block and totals by label, the letters' rows by 函证编号)."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    titles = rows[head]
    block = {r[0]: r[2] for r in rows[1:head] if r[0]}
    letters = {}
    for r in rows[head + 1:]:
        row = {t: ("" if v is None else v) for t, v in zip(titles, r, strict=True)}
        letters[row["函证编号"]] = row
    assert ws.freeze_panes == f"C{head + 2}"  # the header row stays in view
    assert ws.auto_filter.ref == f"A{head + 1}:N{len(rows)}"
    return block, letters


async def verified_with_an_exception(firm: Firm, bank: Bank) -> dict[str, Any]:
    item = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        assert (await http.post(f"/api/v1/inbox/{item['id']}/receipt", json={})).status == 200
    difference = {"item": "deposits", "row": 0, "field": "balance", "kind": "value",
                  "stated": item["letter"]["items"]["deposits"]["rows"][0]["balance"],
                  "confirmed": "8625400.00", "bank_row": None, "explanation": "余额不符"}
    data = reply_for(item, differences=[difference])
    assert (await upload(bank, item["id"], await bank.signed(data), data)).status == 202
    assert (await wait_status(firm, item["id"], "verified"))["status"] == "verified"
    return item


async def returned(firm: Firm, bank: Bank) -> dict[str, Any]:
    item = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        resp = await http.post(f"/api/v1/inbox/{item['id']}/return", json={
            "reason_code": "fee_account_invalid", "reason": "扣费账号不是贵公司在本行的账户"})
        assert resp.status == 200, await resp.text()
    return item


async def cancelled(firm: Firm, bank: Bank) -> dict[str, Any]:
    body = firm.letter("bank_format1", scope=unique("scope"))
    body["letter"]["responder"]["uscc"] = bank.uscc
    async with firm.hub.client(firm.key) as http:
        created = await (await http.post("/api/v1/confirmations", json=body)).json()
        resp = await http.post(f"/api/v1/confirmations/{created['id']}/cancel",
                               json={"reason": "改发新函"})
        assert resp.status == 200, await resp.text()
    return dict(created)


async def test_the_control_sheet_shows_every_letter_as_the_auditor_reads_it(
        hub: Hub, clock: FrozenClock, tmp_path: Path) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    exception = await verified_with_an_exception(firm, bank)
    back = await returned(firm, bank)
    gone = await cancelled(firm, bank)
    late = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        got = await (await http.post(f"/api/v1/inbox/{late['id']}/receipt", json={})).json()
    due = date.fromisoformat(got["reply_due"])
    reminded = hub.container.calendar.add_working_days(due, 1)
    clock.current = datetime(reminded.year, reminded.month, reminded.day, 2, tzinfo=UTC)
    assert await hub.container.bus.handle(SendSecondRequests()) == [late["id"]]

    async with hub.client(firm.key) as http:
        resp = await http.post(f"/api/v1/confirmations/{late['id']}/procedures", json={
            "text": "检查期后银行对账单，余额与账面一致", "conclusion": "余额可以确认"})
        assert resp.status == 201, await resp.text()
        xlsx = await http.get(f"/api/v1/engagements/{firm.engagement_id}/control-sheet.xlsx")
        assert xlsx.status == 200, await xlsx.text()
        assert xlsx.content_type == ("application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")
        block, rows = read_xlsx(await xlsx.read())
        pdf = await http.get(f"/api/v1/engagements/{firm.engagement_id}/control-sheet.pdf")
        assert pdf.status == 200 and pdf.content_type == "application/pdf"
        text = pdf_text(await pdf.read(), tmp_path)

    number = {c["id"]: c["letter_number"] for c in (exception, back, late)}
    number[gone["id"]] = gone["letter"]["letter_number"]
    # All submitted in the same (frozen) instant, so in the order of their numbers.
    assert list(rows) == sorted(number.values())
    assert [r["序号"] for r in rows.values()] == [1, 2, 3, 4]
    verified = rows[number[exception["id"]]]
    assert (verified["回函结果"], verified["状态"]) == ("不符 1 项", "已核验")
    assert verified["差异"] == ("银行存款 第1行 balance：账面 8,625,413.27，回函 8,625,400.00，"
                              "差额 -13.27（余额不符）")
    assert verified["发函渠道"] == "银行接口（银行从函证中心收取）"
    assert verified["被询证者"] == "京华商业银行股份有限公司北京分行（北京海淀支行）"
    assert verified["函证类型"] == "银行询证函（格式一）"
    assert verified["发函日期"] == verified["送达日期"] == verified["回函日期"] == \
        datetime(2026, 9, 28)
    assert rows[number[back["id"]]]["回函结果"] == \
        "退函：[fee_account_invalid] 扣费账号不是贵公司在本行的账户"
    dropped = rows[number[gone["id"]]]
    assert (dropped["状态"], dropped["回函结果"], dropped["发函日期"]) == \
        ("已撤销", "已撤销，未发函", "")
    overdue = rows[number[late["id"]]]
    assert overdue["回函结果"] == "逾期"
    assert overdue["催函"] == f"1 次：{reminded.isoformat()}"
    assert overdue["回函截止日"] == datetime(due.year, due.month, due.day)
    assert overdue["替代程序"].startswith(
        f"{reminded.isoformat()} 检查期后银行对账单，余额与账面一致；结论：余额可以确认（auditor:")
    assert block["会计师事务所"] == "信达会计师事务所" and block["审计项目"] == "2025年度审计"
    assert (block["函证总数"], block["已发函"], block["已回函"], block["相符"], block["不符"],
            block["逾期未回函"], block["退函"]) == (4, 3, 1, 0, 1, 1, 1)

    assert text.startswith("函证控制表") and "第1页共1页" in text
    for n in number.values():
        assert n in text
    # Text wrapped inside a cell comes out interleaved with its neighbours: short words only.
    for words in ("会计师事务所：信达会计师事务所", "统计：函证总数4", "不符1项", "逾期",
                  "已撤销", "替代程序", "（auditor:"):
        assert words in text, words


async def test_procedures_are_appended_and_enter_the_history(hub: Hub) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    path = f"/api/v1/confirmations/{item['id']}/procedures"
    admin = await hub.key(firm.org_id, "firm_admin")
    async with hub.client(firm.key) as http:
        padded = {"text": "  函证未回，检查期后收款凭证  "}
        first = await (await http.post(path, json=padded)).json()
        retry = {"text": "电话询问客户经理", "conclusion": "无异常"}
        made = await http.post(path, json=retry, headers={"Idempotency-Key": "k-1"})
        again = await http.post(path, json=retry, headers={"Idempotency-Key": "k-1"})
        other = await http.post(path, json={"text": "别的"}, headers={"Idempotency-Key": "k-1"})
    async with hub.client(admin) as http:
        assert (await http.post(path, json={"text": "合伙人复核"})).status == 201
        listed = (await (await http.get(path)).json())["items"]
        history = (await (await http.get(
            f"/api/v1/confirmations/{item['id']}/history")).json())["items"]
    assert first["text"] == "函证未回，检查期后收款凭证" and first["conclusion"] is None
    assert first["noted_by"].startswith("auditor:")
    assert made.status == 201 and again.status == 200 and other.status == 409
    assert (await again.json())["id"] == (await made.json())["id"]  # a retry is one note
    assert [n["text"] for n in listed] == ["函证未回，检查期后收款凭证", "电话询问客户经理",
                                           "合伙人复核"]
    assert listed[2]["noted_by"].startswith("firm_admin:")
    assert [h["event_type"] for h in history].count("confirmation.procedure_noted") == 3


@pytest.mark.parametrize(("body", "field"), [
    ({}, "/text"),
    ({"text": "   "}, "/text"),
    ({"text": "字" * 2001}, "/text"),
    ({"text": "检查对账单", "conclusion": "论" * 501}, "/conclusion"),
    ({"text": "检查对账单", "by": "someone"}, "/by"),
])
async def test_a_bad_note_is_refused_naming_the_field_and_nothing_is_noted(
        hub: Hub, body: dict[str, Any], field: str) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    path = f"/api/v1/confirmations/{item['id']}/procedures"
    async with hub.client(firm.key) as http:
        resp = await http.post(path, json=body)
        problem = await resp.json(content_type=None)
        listed = (await (await http.get(path)).json())["items"]
    assert resp.status == 422, problem
    assert problem["errors"][0]["field"] == field
    assert listed == []


async def test_another_firm_and_a_bank_both_get_404(hub: Hub) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    other = await make_firm(hub)
    sheet = f"/api/v1/engagements/{firm.engagement_id}/control-sheet"
    notes = f"/api/v1/confirmations/{item['id']}/procedures"
    async with hub.client(other.key) as http:
        for path in (f"{sheet}.xlsx", f"{sheet}.pdf", notes):
            assert (await http.get(path)).status == 404, path
        assert (await http.post(notes, json={"text": "越权记录"})).status == 404
        # Its own engagement has no letters: a sheet with the header and no rows.
        own = await http.get(f"/api/v1/engagements/{other.engagement_id}/control-sheet.xlsx")
        _, rows = read_xlsx(await own.read())
        assert rows == {}
    async with bank.client() as http:
        assert (await http.get(f"{sheet}.xlsx")).status == 404
        assert (await http.post(notes, json={"text": "银行记录"})).status == 404
    async with hub.client(firm.key) as http:
        assert (await (await http.get(notes)).json())["items"] == []


RETIRED_WORDS = ("已核对", "已取消", "已过期", "授权过期", "已送达待回函", "验资询证函",
                 "银行询证函（验资）")
"""What the same states and types were called in one view or another before one vocabulary."""


async def test_every_view_calls_a_state_by_the_one_vocabulary_word(
        hub: Hub, tmp_path: Path) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    checked = await verified_with_an_exception(firm, bank)
    gone = await cancelled(firm, bank)
    numbers = {checked["letter_number"]: STATUS[Status.VERIFIED].zh,
               gone["letter"]["letter_number"]: STATUS[Status.CANCELLED].zh}

    async with hub.client(firm.key) as http:
        xlsx = await http.get(f"/api/v1/engagements/{firm.engagement_id}/control-sheet.xlsx")
        _, rows = read_xlsx(await xlsx.read())
    assert {n: rows[n]["状态"] for n in numbers} == numbers

    async with signed_in(hub, firm.org_id) as browser:
        _, table = await browser.get(f"/web/engagements/{firm.engagement_id}")
        _, page = await browser.get(f"/web/confirmations/{checked['id']}")
    for number, word in numbers.items():
        row = table[table.index(number):].split("</tr>", 1)[0]
        assert word in row, (number, word)
    assert STATUS[Status.VERIFIED].zh in page
    assert CHANNEL[Channel.BANK_API_PULL].zh in rows[checked["letter_number"]]["发函渠道"]

    workpaper = pdf_text(await wait_document(firm, checked["id"], "workpaper.pdf"), tmp_path)
    # Table cells wrap and interleave in pdftotext's reading: each word, not the whole cell.
    assert STATUS[Status.REPLIED].zh in workpaper and STATUS[Status.VERIFIED].zh in workpaper
    for view in (table, page, workpaper, str(rows)):
        assert not [w for w in RETIRED_WORDS if w in view]

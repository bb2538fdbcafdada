"""Bank letters 格式一 (the firm fills items 1–14) and 格式二 (the bank fills them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.documents import _common as c
from hub.documents._bank_items import (
    CASH_POOL,
    CLOSED_ACCOUNTS,
    DEPOSITS,
    GUARANTEES,
    GUARANTEES_BY_BANK,
    GUARANTEES_FOR_OTHERS,
    ITEMS,
    LOANS,
    OTHER,
    Item,
)
from hub.documents._fields import Source, applicable, chinese_date, node, rows
from hub.documents._layout import BODY, Column, Flow, line_height

TITLE = "银行询证函"
SUBTITLES = {"bank_format1": "格式一（由会计师事务所填列、银行核对）",
             "bank_format2": "格式二（由银行填列）"}
BLANK_ROWS = 2
GROUP_KEEP = 5 * line_height(BODY)  # a group heading stays with the start of its first part
REPLY_COLUMNS = (Column("事项", 0.8), Column("字段", 1.0), Column("本行记载", 1.6),
                 Column("说明", 1.6))


def _heading(item: Item, src: Source, value: Mapping[str, Any] | None, at: str) -> str:
    if item is CLOSED_ACCOUNTS and applicable(value):
        start = chinese_date(src.text(value, "from", at))
        end = chinese_date(src.text(value, "to", at))
        return f"{item.number}. 自{start}起至{end}期间内注销的银行存款账户"
    return item.heading


def _intro(flow: Flow, src: Source, letter: c.Letter, *, bank_fills: bool) -> None:
    c.addressee(flow, src)
    firm = c.firm_name(src)
    period = c.period_text(src)
    if bank_fills:
        ask = ("下列第1–14项及附表（如适用）所列事项，请贵行根据贵行记录填列相关信息，"
               "并在本函“结论”部分签字、签章。")
    else:
        ask = ("下列第1–14项及附表（如适用）信息出自本公司的记录：（1）如与贵行记录相符，"
               "请在本函“结论”部分签字、签章；（2）如有不符，请在本函“结论”部分列明不符项目及"
               "具体内容，并签字和签章。")
    flow.paragraph(f"本公司聘请的{firm}正在对本公司{period}的财务报表进行审计，按照中国注册会计师"
                   f"审计准则的要求，应当询证本公司与贵行相关的信息。{ask}",
                   first_indent=c.INDENT)
    c.reply_address(flow, src, f"本公司谨授权贵行将回函直接寄至{firm}，地址及联系方式如下：")
    c.fee_account(flow, src)
    flow.paragraph(f"截至{chinese_date(letter.as_of)}（函证基准日），本公司与贵行相关的信息"
                   f"{'请贵行填列' if bank_fills else '列示'}如下：", first_indent=c.INDENT)
    flow.space(4)


def _table(flow: Flow, src: Source, item: Item, value: Mapping[str, Any] | None, at: str,
           title: str, *, notes: bool = True) -> None:
    cells = [[f.cell(src, row, f"{at}/rows/{i}", i) for f in item.fields]
             for i, row in rows(value)]
    layout = flow.layout_table([f.column for f in item.fields], cells)
    c.heading(flow, title, keep=layout.lead_height)
    flow.table(layout)
    if item.note and notes:
        flow.paragraph(item.note)
    flow.space(6)


def _blank_table(flow: Flow, src: Source, item: Item, value: Mapping[str, Any] | None,
                 at: str, title: str) -> None:
    """格式二: the columns for the bank to fill; given account numbers are pre-filled."""
    numbers = value.get("account_numbers") if value is not None else None
    first = item.fields[1] if item in (DEPOSITS, LOANS) else None
    cells: list[list[str]] = []
    if first is not None and isinstance(numbers, list) and numbers:
        for i, number in enumerate(numbers):
            text = src.check(str(number), f"{at}/account_numbers/{i}")
            cells.append(["\n" if f is not first else text for f in item.fields])
        note = "（请贵行填列下列账户的信息）"
    else:
        cells = [["\n"] * len(item.fields) for _ in range(BLANK_ROWS)]
        note = "（请贵行填列）"
    layout = flow.layout_table([f.column for f in item.fields], cells)
    c.heading(flow, f"{title}{note}", keep=layout.lead_height)
    flow.table(layout)
    flow.space(6)


def _items(flow: Flow, src: Source, *, bank_fills: bool) -> None:
    items = src.letter.get("items")
    item_tables(flow, src, items if isinstance(items, Mapping) else {}, bank_fills=bank_fills)
    cash_pool_table(flow, src, node(src.letter.get("cash_pool")), "/cash_pool",
                    bank_fills=bank_fills)


def item_tables(flow: Flow, src: Source, values: Mapping[str, Any], *, bank_fills: bool = False,
                notes: bool = True, at: str = "/items") -> None:
    """Items 1–14 from `values` (at JSON pointer `at`): a table each, or 不适用. `notes`
    prints the company's footers (“除上述列示的……外，本公司并无……”)."""
    def draw(item: Item, value: Mapping[str, Any] | None, where: str, title: str) -> None:
        if bank_fills:
            _blank_table(flow, src, item, value, where, title)
        else:
            _table(flow, src, item, value, where, title, notes=notes)

    for item in ITEMS:
        where = f"{at}/{item.key}"
        value = node(values.get(item.key))
        title = _heading(item, src, value, where)
        if not applicable(value):
            c.not_applicable(flow, title)
        elif item is GUARANTEES and not bank_fills:
            c.heading(flow, title, keep=GROUP_KEEP)
            for part in (GUARANTEES_FOR_OTHERS, GUARANTEES_BY_BANK):
                sub = node(value.get(part.key) if value else None)
                if applicable(sub):
                    draw(part, sub, f"{where}/{part.key}", part.heading)
                else:
                    c.not_applicable(flow, part.heading)
        elif item is GUARANTEES:
            c.heading(flow, title, keep=GROUP_KEEP)
            for part in (GUARANTEES_FOR_OTHERS, GUARANTEES_BY_BANK):
                draw(part, None, f"{where}/{part.key}", part.heading)
        elif item is OTHER:
            text = "（请贵行填列）" if bank_fills else src.text(value, "text", where)
            c.heading(flow, title, keep=line_height(BODY))
            flow.paragraph(text, indent=c.INDENT)
            flow.space(6)
        else:
            draw(item, value, where, title)


def cash_pool_table(flow: Flow, src: Source, pool: Mapping[str, Any] | None, at: str, *,
                    bank_fills: bool = False) -> None:
    """The cash-pool annex (at JSON pointer `at`), or 不适用."""
    if not applicable(pool):
        c.not_applicable(flow, CASH_POOL.heading)
    elif bank_fills:
        _blank_table(flow, src, CASH_POOL, pool, at, CASH_POOL.heading)
    else:
        _table(flow, src, CASH_POOL, pool, at, CASH_POOL.heading)


def _client_seal(flow: Flow, letter: c.Letter, client_name: str | None) -> None:
    flow.space(6)
    lines = [f"被审计单位：{client_name}"] if client_name else []
    c.seal_area(flow, letter, "client", lines, "（被审计单位预留签章或电子签名）")


def _reply(flow: Flow, letter: c.Letter, *, bank_fills: bool) -> None:
    flow.space(10)
    flow.keep(6 * line_height(BODY))
    flow.paragraph("以下由被询证银行填列", bold=True, align="C")
    flow.paragraph("结论：", bold=True)
    if bank_fills:
        flow.paragraph("本行已根据本行记录填列上述第1–14项及附表信息。除上述所列信息外，截至函证"
                       "基准日本行与该单位之间不存在其他需要列示的事项。", first_indent=c.INDENT)
        flow.paragraph("本行认为需要说明的其他重要信息：", first_indent=c.INDENT)
        c.blank_rows(flow, (Column("说明"),), 1)
    else:
        flow.paragraph("1. 经本行核对，所函证项目与本行记载信息相符。特此函复。",
                       first_indent=c.INDENT)
        flow.paragraph("2. 经本行核对，存在以下不符之处（请列明不符项目及具体内容）：",
                       first_indent=c.INDENT)
        c.blank_rows(flow, REPLY_COLUMNS, 3)
        flow.paragraph("3. 除本函所列事项外，本行认为需要说明的其他重要信息：",
                       first_indent=c.INDENT)
        c.blank_rows(flow, (Column("说明"),), 1)
    flow.space(6)
    c.signature_lines(flow, (("经办人：", "职务：", "电话："), ("复核人：", "职务：", "电话：")))
    c.seal_area(flow, letter, "responder", ["年　　月　　日"], "（银行盖章）")


def build(flow: Flow, src: Source, client_name: str | None, *, bank_fills: bool) -> c.Letter:
    subtitle = SUBTITLES["bank_format2" if bank_fills else "bank_format1"]
    letter = c.title_block(flow, src, TITLE, subtitle)
    _intro(flow, src, letter, bank_fills=bank_fills)
    _items(flow, src, bank_fills=bank_fills)
    flow.together(lambda f: _client_seal(f, letter, client_name))
    flow.together(lambda f: _reply(f, letter, bank_fills=bank_fills))
    return letter


def build_format1(flow: Flow, src: Source, client_name: str | None) -> c.Letter:
    return build(flow, src, client_name, bank_fills=False)


def build_format2(flow: Flow, src: Source, client_name: str | None) -> c.Letter:
    return build(flow, src, client_name, bank_fills=True)

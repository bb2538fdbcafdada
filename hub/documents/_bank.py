"""Bank letters 格式一 (the firm fills items 1–14) and 格式二 (the bank fills them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.documents import _common as c
from hub.documents._bank_items import (
    CASH_POOL,
    CLOSED_ACCOUNTS,
    DEPOSITS,
    FX_CATEGORIES,
    FX_CONTRACTS,
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

TITLES = {"bank_format1": "银行询证函（格式一）", "bank_format2": "银行询证函（格式二）"}
NIL = "无"
BANK_PART = "以下由被询证银行填列"
NOT_CONFIRMED = "（本项不询证）"
CONCLUSIONS = ("1. 经本行核对，所函证项目与本行记载信息相符。特此函复。",
               "2. 经本行核对，存在以下不符之处。")
FILLED = "本行已根据本行记录填列上述第1-14项及附表（如适用）信息。"
BLANK_ROWS = 2
GROUP_KEEP = 5 * line_height(BODY)  # a group heading stays with the start of its first part
FOOTNOTE = BODY  # 原则上字号不小于五号, footnotes included
FOOTNOTES = (
    "① 根据《中华人民共和国电子签名法》（以下简称《电子签名法》），可靠的电子询证函属于"
    "《电子签名法》规定的一种数据电文。可靠的电子签名与手写签名或者盖章具有同等法律效力。函证各相关方在数字函证平台中"
    "使用符合《电子签名法》相关规定的数据电文和电子签名具有法律效力。",
    "② 会计师事务所应按照相关银行公示的函证具体需要提供相关人员的证明文件等。",
    "③ “回函地址、联系人、电话、传真、邮编、电子邮箱”等要素应完整、准确填写。",
    "④ 本询证函所示的1-14项及附表（如适用）信息，以银行印章所代表的总分支机构主体范围进行回函。",
)
REPLY_COLUMNS = (Column("事项", 0.8), Column("字段", 1.0), Column("本行记载", 1.6),
                 Column("说明", 1.6))


def _heading(item: Item, src: Source, value: Mapping[str, Any] | None, at: str) -> str:
    if item is CLOSED_ACCOUNTS and applicable(value):
        start = chinese_date(src.text(value, "from", at))
        end = chinese_date(src.text(value, "to", at))
        return f"{item.number}. 自{start}起至{end}期间内注销的银行存款账户"
    return item.heading


def _intro(flow: Flow, src: Source, letter: c.Letter, *, bank_fills: bool) -> None:
    c.addressee(flow, src, "（以下简称“贵行”，即“函证收件人”）")
    firm = c.firm_name(src)
    period = c.period_text(src)
    if bank_fills:
        ask = ("下列第1-14项及附表（如适用）所列事项，请贵行根据贵行记录填列相关信息，"
               "并在本函“结论”部分签字或签章[或签发电子签名]①。")
    else:
        ask = ("下列第1-14项及附表（如适用）信息出自本公司的记录：（1）如与贵行记录相符，"
               "请在本函“结论”部分签字或签章[或签发电子签名]①；（2）如有不符，请在本函“结论”"
               "部分列明不符项目及具体内容，并签字或签章[或签发电子签名]。")
    flow.paragraph(f"本公司聘请的{firm}正在对本公司{period}的财务报表进行审计，按照中国注册会计师"
                   f"审计准则的要求，应当询证本公司与贵行相关的信息。{ask}",
                   first_indent=c.INDENT)
    c.reply_address(flow, src, f"本公司谨授权贵行将回函直接寄至{firm}[或直接转交{firm}"
                               "函证经办人②]，地址及联系方式③如下：")
    c.fee_account(flow, src)
    flow.paragraph(f"截至{chinese_date(letter.as_of)}（即“函证基准日”），本公司与贵行相关的信息④"
                   f"{'请贵行填列' if bank_fills else '列示'}如下：", first_indent=c.INDENT)
    flow.space(4)


def _table(flow: Flow, src: Source, item: Item, value: Mapping[str, Any] | None, at: str,
           title: str, *, notes: bool = True) -> None:
    """An item with rows, or confirmed as nil: its table holds 无; either way it keeps its
    closing sentence (除上述列示的……外，本公司并无……), so the bank confirms there is no other."""
    cells = [[f.cell(src, row, f"{at}/rows/{i}", i) for f in item.fields]
             for i, row in rows(value)]
    if item is FX_CONTRACTS:
        cells = _fx_rows(cells, [NIL])
    elif not cells:
        cells = [[NIL] + [""] * (len(item.fields) - 1)]
    layout = flow.layout_table([f.column for f in item.fields], cells)
    c.heading(flow, title, keep=layout.lead_height)
    flow.table(layout)
    if item.note and notes:
        flow.paragraph(item.note)
    flow.space(6)


def _fx_rows(cells: list[list[str]], empty: list[str]) -> list[list[str]]:
    """Item 11 under its two preset 类别 rows (贵行卖予本公司, 本公司卖予贵行): each category's
    contracts, or one row with `empty` after the category when it has none."""
    out: list[list[str]] = []
    width = len(FX_CONTRACTS.fields)
    for label in FX_CATEGORIES.values():
        mine = [row for row in cells if row[0] == label]
        out.extend(mine or [[label, *empty, *[""] * (width - 1 - len(empty))]])
    out.extend(row for row in cells if row[0] not in FX_CATEGORIES.values())
    return out


def _struck_table(flow: Flow, item: Item, title: str) -> None:
    """An item not being confirmed: its table kept and struck through (斜线划掉), never blank."""
    blank = [["\n"] * len(item.fields)]
    if item is FX_CONTRACTS:
        blank = _fx_rows([], [])
    layout = flow.layout_table([f.column for f in item.fields], blank)
    c.heading(flow, f"{title}{NOT_CONFIRMED}", keep=layout.lead_height)
    page, top = flow.page, flow.y
    flow.table(layout)
    flow.slash(page, top, sum(layout.widths))
    flow.space(6)


def _struck_text(flow: Flow, title: str) -> None:
    layout = flow.layout_table((Column("内容"),), [["\n"]])
    c.heading(flow, f"{title}{NOT_CONFIRMED}", keep=layout.lead_height)
    page, top = flow.page, flow.y
    flow.table(layout)
    flow.slash(page, top, flow.width)
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
    elif item is FX_CONTRACTS:  # the two preset 类别 rows, the rest for the bank
        cells = _fx_rows([], ["\n"])
        note = "（请贵行填列）"
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
    """Items 1–14 from `values` (at JSON pointer `at`), each in one of three states: rows;
    confirmed as nil (无 in its table); not confirmed (its table struck through). `notes`
    prints the company's closing sentences (“除上述列示的……外，本公司并无……”)."""
    def draw(item: Item, value: Mapping[str, Any] | None, where: str, title: str) -> None:
        if not applicable(value):
            _struck_table(flow, item, title)
        elif bank_fills:
            _blank_table(flow, src, item, value, where, title)
        else:
            _table(flow, src, item, value, where, title, notes=notes)

    for item in ITEMS:
        where = f"{at}/{item.key}"
        value = node(values.get(item.key))
        title = _heading(item, src, value, where)
        if item is GUARANTEES:
            c.heading(flow, title, keep=GROUP_KEEP)
            for part in (GUARANTEES_FOR_OTHERS, GUARANTEES_BY_BANK):
                sub = node(value.get(part.key)) if applicable(value) and value else None
                if bank_fills and applicable(value):
                    draw(part, {"applicable": True}, f"{where}/{part.key}", part.heading)
                else:
                    draw(part, sub, f"{where}/{part.key}", part.heading)
        elif item is OTHER:
            if not applicable(value):
                _struck_text(flow, title)
                continue
            text = "（请贵行填列）" if bank_fills else src.text(value, "text", where)
            c.heading(flow, title, keep=line_height(BODY))
            flow.paragraph(text, indent=c.INDENT)
            flow.space(6)
        else:
            draw(item, value, where, title)


def cash_pool_table(flow: Flow, src: Source, pool: Mapping[str, Any] | None, at: str, *,
                    bank_fills: bool = False) -> None:
    """The cash-pool annex (at JSON pointer `at`): rows, 无, or struck through."""
    if not applicable(pool):
        _struck_table(flow, CASH_POOL, CASH_POOL.heading)
    elif bank_fills:
        _blank_table(flow, src, CASH_POOL, pool, at, CASH_POOL.heading)
    else:
        _table(flow, src, CASH_POOL, pool, at, CASH_POOL.heading)


def _client_seal(flow: Flow, letter: c.Letter, client_name: str | None) -> None:
    flow.space(6)
    lines = [client_name] if client_name else []
    c.seal_area(flow, letter, "client", lines, "（预留签章/采用电子授权）")
    flow.paragraph("年　　月　　日", align="R")
    flow.paragraph("经办人：　　　　　职务：　　　　　电话：", align="R")
    flow.paragraph(c.CROSS_SEAL_HINT, align="R")


def conclusion_block(flow: Flow, letter: c.Letter, text: str, role: str, *,
                     grid: bool = False) -> None:
    """One of the bank's conclusions with its own date, signers and seal place: the bank signs
    and seals only the one it chooses."""
    flow.paragraph(text, first_indent=c.INDENT)
    if grid:
        c.blank_rows(flow, REPLY_COLUMNS, 3)
    flow.space(4)
    c.signature_lines(flow, (("经办人：", "职务：", "电话："), ("复核人：", "职务：", "电话：")))
    c.seal_area(flow, letter, role, [], "（银行盖章）")
    flow.paragraph("年　　月　　日", align="R")
    flow.space(6)


def _reply(flow: Flow, letter: c.Letter, *, bank_fills: bool) -> None:
    def first(f: Flow) -> None:
        f.space(10)
        if not bank_fills:  # 格式二 has it above item 1
            f.paragraph(BANK_PART, bold=True, align="C")
        f.paragraph("结论：", bold=True)
        if bank_fills:
            # GAP: the 2024 格式二 结论 was not found; this sentence is ours, with one seal.
            conclusion_block(f, letter, FILLED, "responder")
        else:
            conclusion_block(f, letter, CONCLUSIONS[0], "responder")

    flow.together(first)
    if not bank_fills:
        flow.together(lambda f: conclusion_block(f, letter, CONCLUSIONS[1],
                                                 "responder_differences", grid=True))


def footnotes(flow: Flow) -> None:
    """The 2024 template's footnotes ①–④ (medium-high confidence, see the schema description)."""
    flow.space(6)
    for text in FOOTNOTES:
        flow.paragraph(text, size=FOOTNOTE)


def build(flow: Flow, src: Source, client_name: str | None, *, bank_fills: bool) -> c.Letter:
    letter = c.title_block(flow, src, TITLES["bank_format2" if bank_fills else "bank_format1"],
                           None, cross_seal=True)
    _intro(flow, src, letter, bank_fills=bank_fills)
    flow.together(footnotes)
    if bank_fills:
        # 格式二: the bank fills items 1–14 and the annex, so its part starts above item 1
        # (the banks' own format checkers look for the heading there); the company signs first.
        flow.together(lambda f: _client_seal(f, letter, client_name))
        flow.space(10)
        flow.keep(4 * line_height(BODY))
        flow.paragraph(BANK_PART, bold=True, align="C")
        flow.space(4)
    _items(flow, src, bank_fills=bank_fills)
    if not bank_fills:
        flow.together(lambda f: _client_seal(f, letter, client_name))
    _reply(flow, letter, bank_fills=bank_fills)
    return letter


def build_format1(flow: Flow, src: Source, client_name: str | None) -> c.Letter:
    return build(flow, src, client_name, bank_fills=False)


def build_format2(flow: Flow, src: Source, client_name: str | None) -> c.Letter:
    return build(flow, src, client_name, bank_fills=True)

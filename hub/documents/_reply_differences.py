"""The 不符事项 table of a bank's reply, with item and field titles as the letter prints them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hub.documents import _capital
from hub.documents._bank_items import (
    CASH_POOL,
    GUARANTEES,
    GUARANTEES_BY_BANK,
    GUARANTEES_FOR_OTHERS,
    ITEMS,
    Field,
    Item,
    Kind,
)
from hub.documents._fields import DASH, NO, YES, Source, node, rows
from hub.documents._layout import Column, Flow

CONTRIBUTIONS = Item("contributions", "", "出资者缴入投资资金明细表", _capital.FIELDS)
COMPANY_ROWS = Item("rows", "", "往来账项", (  # 企业询证函: the comparison names its table "rows"
    Field("currency", "币种", "currency"),
    Field("owed_by_you", "贵公司欠", "money"),
    Field("owed_to_you", "欠贵公司", "money"),
    Field("note", "备注"),
))
ITEMS_BY_KEY: dict[str, Item] = {
    item.key: item
    for item in (*ITEMS, GUARANTEES_FOR_OTHERS, GUARANTEES_BY_BANK, CASH_POOL, CONTRIBUTIONS,
                 COMPANY_ROWS)
}
# Fields a difference may name that the letter shows in a combined column, or not as a column:
# titled as the letter schemas title them.
_ENTRUSTED = {"start_date": "贷款起始日期", "end_date": "贷款到期日期"}
EXTRA_TITLES: dict[str, dict[str, str]] = {
    "closed_accounts": {"from": "注销期间起始日", "to": "注销期间截止日"},
    "entrusted_loans_as_principal": _ENTRUSTED,
    "entrusted_loans_as_borrower": _ENTRUSTED,
    "fx_contracts": {"currency": "金额币种"},
    "other": {"text": "其他"},
}
# A value on its own: a period's start or end, an amount without its currency column.
_SINGLE: dict[str, Kind] = {"period": "date", "fx_amount": "money", "seq": "text"}
# What a side shows when the difference gives no value for it.
MISSING: dict[str, tuple[str, str]] = {  # kind: (询证函所列, 本行记录)
    "value": (DASH, DASH),
    "not_in_letter": ("询证函未列示", DASH),
    "not_at_bank": (DASH, "本行无此记录"),
    "item_not_applicable": (DASH, "不适用"),
}
COLUMNS = (
    Column("项目", 1.0),
    Column("行次", 0.4, lines=1, align="C"),
    Column("字段", 0.8),
    Column("询证函所列", 1.2),
    Column("本行记录", 2.0),
    Column("说明", 1.2),
)


def item_of(src: Source, difference: Mapping[str, Any], at: str) -> tuple[Item | None, str]:
    """The item a difference names ("deposits", or a guarantee part as "guarantees/by_bank_…"
    or, as the book-value comparison names it, "guarantees_by_bank_…"), and its title as the
    letter heads it."""
    key = difference.get("item")
    if key is None or key == "":
        return None, DASH
    name = str(key).replace(".", "/").split("/")[-1].removeprefix("guarantees_")
    item = ITEMS_BY_KEY.get(name)
    if item is None:
        return None, src.check(str(key), f"{at}/item")
    if item in (GUARANTEES_FOR_OTHERS, GUARANTEES_BY_BANK):
        return item, f"{GUARANTEES.heading} {item.heading}"
    return item, item.heading


def field_of(item: Item | None, key: str) -> Field | None:
    if item is None:
        return None
    return next((f for f in item.fields if f.key == key), None)


def field_title(src: Source, item: Item | None, key: Any, at: str) -> str:
    if key is None or key == "":
        return DASH
    extra = EXTRA_TITLES.get(item.key, {}) if item is not None else {}
    found = field_of(item, str(key))
    title = extra.get(str(key)) or (found.header if found is not None else None)
    return title if title is not None else src.check(str(key), at)


def value_text(src: Source, field: Field | None, holder: Mapping[str, Any], key: str, at: str
               ) -> str:
    """`holder[key]` (at JSON pointer `at/key`) as the letter prints a value of `field`."""
    value = holder.get(key)
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return YES if value else NO
    if field is None:
        if isinstance(value, Mapping):
            return "；".join(f"{src.check(str(k), f'{at}/{key}')}："
                            f"{src.text(value, str(k), f'{at}/{key}')}" for k in value)
        return src.text(holder, key, at)
    if field.key == "source_region":
        return src.choice(holder, key, at, _capital.REGIONS)
    kind = _SINGLE.get(field.kind, field.kind)
    return replace(field, key=key, kind=kind).cell(src, holder, at, 0)


def bank_row_text(src: Source, item: Item | None, row: Mapping[str, Any], at: str) -> str:
    """A row only the bank has, one “字段：值” line per value it gives."""
    lines: list[str] = []
    for key in row:
        if row.get(key) is None or row.get(key) == "":
            continue
        title = field_title(src, item, key, f"{at}/{key}")
        lines.append(f"{title}：{value_text(src, field_of(item, key), row, key, at)}")
    return "\n".join(lines) or DASH


def _cells(src: Source, i: int, difference: Mapping[str, Any]) -> list[str]:
    at = f"/differences/{i}"
    item, title = item_of(src, difference, at)
    row = difference.get("row")
    row_text = str(row + 1) if isinstance(row, int) and not isinstance(row, bool) else DASH
    key = difference.get("field")
    field = field_of(item, str(key)) if key is not None else None
    stated_missing, confirmed_missing = MISSING.get(str(difference.get("kind")), MISSING["value"])
    stated = value_text(src, field, difference, "stated", at)
    confirmed = value_text(src, field, difference, "confirmed", at)
    bank_row = node(difference.get("bank_row"))
    if bank_row is not None and confirmed == DASH:
        confirmed = bank_row_text(src, item, bank_row, f"{at}/bank_row")
    return [
        title,
        row_text,
        field_title(src, item, key, f"{at}/field"),
        stated if stated != DASH else stated_missing,
        confirmed if confirmed != DASH else confirmed_missing,
        src.text(difference, "explanation", at),
    ]


def differences_table(flow: Flow, src: Source) -> None:
    """Every difference the bank lists: where (item, row, field), both values, why."""
    cells = [_cells(src, i, d) for i, d in rows(src.letter, "differences")]
    flow.kept_table(COLUMNS, cells)

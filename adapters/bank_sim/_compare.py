"""Comparing a letter's rows with the bank's: matching rows, then every field, as Decimal."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.bank_sim import _tables as t

Row = dict[str, Any]
Difference = dict[str, Any]


def normal(table: str, name: str, value: Any) -> Any:
    """A value as the bank compares it: amounts as Decimal, text without extra blanks."""
    if value is None:
        return None
    kind = t.kind(table, name)
    if kind == "decimal":
        return Decimal(value)
    if kind == "text":
        return _blanks(value)
    if isinstance(value, bool):
        return ("bool", value)  # True is not 1
    return value


def _blanks(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _key(table: str, row: Row, size: int) -> tuple[Any, ...]:
    return tuple(normal(table, k, row.get(k)) for k in t.KEYS[table][:size])


def match(table: str, stated: Sequence[Row], bank: Sequence[Row]) -> dict[int, int]:
    """Letter row index -> bank row index of the same record.

    Rows match on the whole key; rows left over match on its first field when that is
    unique among the leftovers on both sides (an account whose currency is misstated is one
    difference, not a missing account and an unknown one).
    """
    pairs: dict[int, int] = {}
    free = list(range(len(bank)))
    full = len(t.KEYS[table])
    for i, row in enumerate(stated):
        key = _key(table, row, full)
        j = next((j for j in free if _key(table, bank[j], full) == key), None)
        if j is not None:
            pairs[i] = j
            free.remove(j)
    if full > 1:
        left = [i for i in range(len(stated)) if i not in pairs]
        for i in left:
            key = _key(table, stated[i], 1)
            ours = [j for j in free if _key(table, bank[j], 1) == key]
            theirs = [k for k in left if k not in pairs and _key(table, stated[k], 1) == key]
            if len(ours) == 1 and theirs == [i]:
                pairs[i] = ours[0]
                free.remove(ours[0])
    return pairs


def shown(value: Any, *, money: bool = False) -> str:
    """A value as an explanation quotes it; an amount as the letters print it (8,625,413.27)."""
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if money:
        try:
            return f"{Decimal(str(value)):,.2f}"
        except InvalidOperation:
            pass
    return str(value)


def describe(table: str, row: Row) -> str:
    """The row named by its key, e.g. "银行账号 0200004509200178866、币种 CNY"."""
    return "、".join(f"{t.field_title(table, k)} {row[k]}" for k in t.KEYS[table] if k in row)


def difference(table: str, row: int | None, field: str | None, kind: str, stated: Any,
               confirmed: Any, bank_row: Row | None, explanation: str) -> Difference:
    """One entry of a reply's `differences` (schema reply.bank.v1, $defs/difference)."""
    return {"item": t.ITEM_OF.get(table, table), "row": row, "field": field, "kind": kind,
            "stated": stated, "confirmed": confirmed, "bank_row": bank_row,
            "explanation": explanation}


def _restriction(table: str, index: int, stated: Any, bank: Any, where: str) -> list[Difference]:
    ours = stated if isinstance(stated, dict) else {}
    theirs = bank if isinstance(bank, dict) else {}
    if ours.get("restricted") is not theirs.get("restricted"):
        name, a, b = "restriction/restricted", ours.get("restricted"), theirs.get("restricted")
        tail = f"（{theirs['details']}）" if theirs.get("details") else ""
    elif ours.get("restricted") and _blanks(ours.get("details")) != _blanks(theirs.get("details")):
        name, a, b, tail = "restriction/details", ours.get("details"), theirs.get("details"), ""
    else:
        return []
    text = (f"{where}{t.field_title(table, name)}不符：询证函为 {shown(a)}，"
            f"本行记录为 {shown(b)}{tail}。")
    return [difference(table, index, name, "value", a, b, None, text)]


def row_differences(table: str, index: int, stated: Row, bank: Row) -> list[Difference]:
    """The fields of a letter row (number `index`) that differ from the bank's record."""
    out: list[Difference] = []
    where = f"“{t.table_title(table)}”第 {index + 1} 行（{describe(table, stated)}）"
    for name in t.compared_fields(table):
        a, b = stated.get(name), bank.get(name)
        if t.kind(table, name) == "restriction":
            out += _restriction(table, index, a, b, where)
        elif normal(table, name, a) != normal(table, name, b):
            money = t.is_money(table, name)
            text = (f"{where}{t.field_title(table, name)}不符：询证函为 {shown(a, money=money)}，"
                    f"本行记录为 {shown(b, money=money)}。")
            out.append(difference(table, index, name, "value", a, b, None, text))
    return out


def compare_table(table: str, stated: Sequence[Row], bank: Sequence[Row]) -> list[Difference]:
    """Every difference between the letter's rows of `table` and the bank's, in letter order,
    then the bank's rows the letter does not list (all of them when it confirms the item as
    nil: a nil item the bank contradicts is a difference like any other)."""
    pairs = match(table, stated, bank)
    out: list[Difference] = []
    for i, row in enumerate(stated):
        if i in pairs:
            out += row_differences(table, i, row, bank[pairs[i]])
        else:
            text = (f"询证函所列“{t.table_title(table)}”第 {i + 1} 行（{describe(table, row)}）"
                    "本行无此记录。")
            out.append(difference(table, i, None, "not_at_bank", None, None, None, text))
    matched = set(pairs.values())
    for j, row in enumerate(bank):
        if j not in matched:
            said = "确认为无" if not stated else "未列示"
            text = f"本行有“{t.table_title(table)}”记录（{describe(table, row)}），询证函{said}。"
            out.append(difference(table, None, None, "not_in_letter", None, None,
                                  copy.deepcopy(row), text))
    return out


def not_applicable(table: str, bank: Sequence[Row]) -> list[Difference]:
    """The bank's rows of a table the letter does not confirm (不询证): one difference each, so
    the auditor still learns of them."""
    return [
        difference(table, None, None, "item_not_applicable", None, None, copy.deepcopy(row),
                   f"询证函对“{t.table_title(table)}”不询证，但本行有记录"
                   f"（{describe(table, row)}）。")
        for row in bank
    ]


def compare_other(stated: str | None, bank: str | None) -> list[Difference]:
    """Item 14 (其他): the letter's text against what the bank would state."""
    title = t.table_title(t.OTHER)
    if stated is None:
        if bank is None:
            return []
        return [difference(t.OTHER, None, "text", "item_not_applicable", None, bank, None,
                           f"询证函对“{title}”不询证，但本行有以下事项：{bank}")]
    if _blanks(stated) == _blanks(bank):
        return []
    text = f"“{title}”不符：" + (f"本行记录为 {bank}。" if bank else "本行无询证函所列事项。")
    return [difference(t.OTHER, None, "text", "value", stated, bank, None, text)]

"""The tables of the reply workpaper: exceptions, signature validation report, status history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hub.documents import _common as c
from hub.documents._fields import DASH, Source
from hub.documents._layout import BODY, Column, Flow, line_height
from hub.documents._reply_differences import (
    bank_row_text,
    field_of,
    field_title,
    item_of,
    value_text,
)
from hub.domain.labels import EVENT, STATUS, zh_by_value

BEIJING = timezone(timedelta(hours=8), "北京时间")
# What a side shows when the exception gives no value for it: (账面/询证函, 回函确认).
MISSING: dict[str, tuple[str, str]] = {
    "value": (DASH, DASH),
    "not_in_letter": ("未列示", DASH),
    "not_at_bank": (DASH, "回函未列示"),
    "item_not_applicable": (DASH, "回函称不适用"),
}
EXCEPTION_COLUMNS = (
    Column("项目", 1.0),
    Column("行次", 0.4, lines=1, align="C"),
    Column("字段", 0.8),
    Column("账面/询证函", 1.2),
    Column("回函确认", 1.2),
    Column("差额", 0.8, lines=1, align="R"),
    Column("说明", 1.6),
)
DOCUMENTS = {"letter": "询证函", "reply": "回函", "workpaper": "底稿"}
SIGNATURE_COLUMNS = (
    Column("文件", 0.6),
    Column("签名域", 0.8, lines=1),
    Column("签名人", 1.6),
    Column("证书 SHA-256", 0.8, lines=1),
    Column("签名时间", 0.8, lines=1, align="C"),
    Column("时间戳", 0.8, lines=1, align="C"),
    Column("PAdES 级别", 0.6, lines=1, align="C"),
    Column("结论", 0.5, lines=1, align="C"),
    Column("问题", 1.6),
)
# A check that did not pass, when the validator gave no words of its own for it.
FAILED_CHECKS = (("valid", "签名验证未通过"), ("trusted", "签名证书不受信任"),
                 ("intact", "签名后文件已被修改"))
EVENTS = zh_by_value(EVENT)
STATUSES = zh_by_value(STATUS)
ACTORS = {"system": "系统"}
HISTORY_COLUMNS = (
    Column("序号", 0.4, lines=1, align="C"),
    Column("时间", 0.8, lines=1, align="C"),
    Column("事件", 0.8),
    Column("状态变化", 1.0),
    Column("操作者", 0.8),
    Column("原因", 1.4),
    Column("事件日志哈希（SHA-256）", 1.0, lines=3),
)


def moment(text: str, *, split: bool = False) -> str:
    """An ISO 8601 instant in Beijing time, “2026-01-05 10:00:00” (a naive one is taken as
    UTC, as the hub stores it); `split` puts the time under the date. Left as given when it
    is not an instant."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d\n%H:%M:%S" if split
                                              else "%Y-%m-%d %H:%M:%S")


def _side(src: Source, item: Any, field: Any, exception: Mapping[str, Any], key: str,
          at: str, missing: str) -> str:
    """One side of an exception: a value as the letter prints it, or a whole row."""
    value = exception.get(key)
    if isinstance(value, Mapping):
        return bank_row_text(src, item, value, f"{at}/{key}")
    text = value_text(src, field, exception, key, at)
    return missing if text == DASH else text


def _exception_cells(src: Source, i: int, exception: Mapping[str, Any]) -> list[str]:
    at = f"/exceptions/{i}"
    item, title = item_of(src, exception, at)
    row = exception.get("row")
    row_text = str(row + 1) if isinstance(row, int) and not isinstance(row, bool) else DASH
    key = exception.get("field")
    field = field_of(item, str(key)) if key is not None else None
    book_missing, confirmed_missing = MISSING.get(str(exception.get("kind")), MISSING["value"])
    return [
        title,
        row_text,
        field_title(src, item, key, f"{at}/field"),
        _side(src, item, field, exception, "book_value", at, book_missing),
        _side(src, item, field, exception, "confirmed_value", at, confirmed_missing),
        src.money(exception, "difference", at),
        src.text(exception, "explanation", at),
    ]


def exceptions_table(flow: Flow, src: Source, items: Sequence[tuple[int, Mapping[str, Any]]]
                     ) -> None:
    """Every difference found: where (item, row, field), both values, the amount, why."""
    flow.kept_table(EXCEPTION_COLUMNS, [_exception_cells(src, i, e) for i, e in items])


def _problems(src: Source, signature: Mapping[str, Any], at: str) -> list[str]:
    given = signature.get("problems")
    listed = given if isinstance(given, Sequence) and not isinstance(given, str) else []
    problems = [src.check(str(p), f"{at}/problems/{j}") for j, p in enumerate(listed)
                if p is not None and p != ""]
    if not problems:
        problems = [words for key, words in FAILED_CHECKS if signature.get(key) is not True]
    return problems


def _signature_cells(src: Source, i: int, signature: Mapping[str, Any], digest: str,
                     note: int) -> list[str]:
    at = f"/signatures/{i}"
    short = DASH if digest == DASH else f"{digest[:8]}…\n（注{note}）"
    signed = src.text(signature, "signing_time", at)
    stamped = src.text(signature, "timestamp", at, default="无")
    valid = all(signature.get(key) is True for key, _ in FAILED_CHECKS)
    problems = _problems(src, signature, at)
    return [
        src.choice(signature, "document", at, DOCUMENTS),
        src.text(signature, "field_name", at),
        src.text(signature, "signer", at),
        short,
        moment(signed, split=True) if signed != DASH else DASH,
        moment(stamped, split=True) if stamped != "无" else stamped,
        src.text(signature, "pades_level", at),
        "有效" if valid else "无效",
        "；".join(problems) or "无",
    ]


def signatures_table(flow: Flow, src: Source, items: Sequence[tuple[int, Mapping[str, Any]]]
                     ) -> None:
    """The validation of every signature on the letter and the reply, one row each; the
    certificates' SHA-256 in short form, with each in full in a note below the table."""
    notes: list[str] = []
    cells = []
    for i, signature in items:
        digest = src.text(signature, "certificate_sha256", f"/signatures/{i}")
        if digest != DASH:
            notes.append(digest)
        cells.append(_signature_cells(src, i, signature, digest, len(notes)))
    flow.kept_table(SIGNATURE_COLUMNS, cells)
    if notes:
        flow.space(3)
        flow.keep(2 * line_height(BODY))
        flow.paragraph("签名证书 SHA-256 全文：")
        for n, digest in enumerate(notes, start=1):
            flow.paragraph(f"注{n}：{digest}", indent=c.INDENT)


def _history_cells(src: Source, i: int, entry: Mapping[str, Any]) -> list[str]:
    at = f"/history/{i}"
    when = src.text(entry, "at", at)
    before = src.choice(entry, "from_status", at, STATUSES, default="")
    after = src.choice(entry, "to_status", at, STATUSES, default="")
    change = f"{before}→{after}" if before or after else DASH
    return [
        src.text(entry, "seq", at, default=str(i + 1)),
        moment(when, split=True) if when != DASH else DASH,
        src.choice(entry, "event_type", at, EVENTS),
        change,
        src.choice(entry, "actor", at, ACTORS),
        src.text(entry, "reason", at),
        src.text(entry, "hash", at),
    ]


def history_table(flow: Flow, src: Source, items: Sequence[tuple[int, Mapping[str, Any]]]
                  ) -> None:
    """Every event of the confirmation's history with its hash in the chained event log."""
    flow.kept_table(HISTORY_COLUMNS, [_history_cells(src, i, e) for i, e in items])


def strings(src: Source, value: Mapping[str, Any] | None, key: str, at: str) -> list[str]:
    """The non-empty strings of the list `value[key]` (JSON pointer `at/key`), each checked."""
    items = value.get(key) if value is not None else None
    if not isinstance(items, Sequence) or isinstance(items, str):
        return []
    return [src.check(str(s), f"{at}/{key}/{j}") for j, s in enumerate(items)
            if s is not None and s != ""]

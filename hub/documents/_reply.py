"""A bank's reply (银行询证函回函): bound to its letter, the conclusion, what the bank filled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.documents import _common as c
from hub.documents._bank import cash_pool_table, item_tables
from hub.documents._capital import contributions_table
from hub.documents._errors import RenderError, UnknownLetterType
from hub.documents._fields import Source, chinese_date, node
from hub.documents._layout import BODY, Flow, Measure, Op, line_height
from hub.documents._pdf import shared_font
from hub.documents._reply_differences import differences_table

TITLE = "银行询证函回函"
SUBTITLES = {
    "bank_format1": "（格式一：银行核对）",
    "bank_format2": "（格式二：银行填列）",
    "bank_capital": "（验资业务）",
}
REPLY_TYPES: tuple[str, ...] = tuple(SUBTITLES)
AGREED = "1. 经本行核对，所函证项目与本行记载信息相符。特此函复。"
DIFFERENT = "2. 经本行核对，存在以下不符之处。"
FILLED = "本行已根据本行记录填列询证函所列事项，见下。"
FILLED_NOTES = "本行已根据本行记录填列询证函所列事项，见下；就函证范围说明如下："
FILLED_ONLY = "除上述所列信息外，截至函证基准日本行与该单位之间不存在其他需要列示的事项。"
SEAL_LABEL = "银行签章（电子签章）"
GAP = c.FULL_SPACE * 2


def _binding(flow: Flow, src: Source, letter: c.Letter, customer_name: str) -> None:
    """What ties the reply to its letter, and who replies about whom."""
    reply = src.letter
    bank = node(reply.get("bank"))
    digest = src.text(reply, "letter_sha256", "")
    flow.paragraph(f"函证编号：{letter.number}")
    flow.paragraph(f"所回复询证函的 SHA-256：{digest}")
    flow.paragraph(f"回函银行：{src.text(bank, 'name', '/bank')}")
    flow.paragraph(f"统一社会信用代码：{src.text(bank, 'uscc', '/bank')}{GAP}"
                   f"行号：{src.text(bank, 'bank_code', '/bank')}")
    flow.paragraph(f"客户名称：{customer_name}")
    flow.paragraph(f"函证基准日：{chinese_date(letter.as_of)}")
    flow.space(6)


def _conclusion(flow: Flow, src: Source, prefix: str, letter_type: str) -> None:
    """The one conclusion the bank chose (its seal below covers only that one). 格式二 lists
    nothing for the bank to check: its conclusion says the bank filled the items, and any
    difference from the books is the auditor's to evaluate."""
    reply = src.letter
    conclusion = reply.get("conclusion")
    at = f"{prefix}/conclusion"
    if letter_type == "bank_format2" and conclusion in ("agreed", "differences"):
        c.heading(flow, "结论：", keep=line_height(BODY))
        if conclusion == "differences" and reply.get("differences"):
            flow.paragraph(FILLED_NOTES, first_indent=c.INDENT)
            differences_table(flow, src)
        else:
            flow.paragraph(FILLED, first_indent=c.INDENT)
    elif conclusion == "agreed":
        if reply.get("differences"):
            raise RenderError(f"{prefix}/differences: a reply that agrees lists no differences",
                              field=f"{prefix}/differences")
        c.heading(flow, "结论：", keep=line_height(BODY))
        flow.paragraph(AGREED, first_indent=c.INDENT)
    elif conclusion == "differences":
        c.heading(flow, "结论：", keep=2 * line_height(BODY))
        flow.paragraph(DIFFERENT, first_indent=c.INDENT)
        differences_table(flow, src)
    else:
        raise RenderError(f"{at}: unknown conclusion {conclusion!r}; expected agreed or "
                          "differences", field=at)
    flow.space(6)


def _filled(flow: Flow, src: Source, letter_type: str, letter: c.Letter) -> None:
    """格式二: items 1–14 and the cash-pool annex as the bank filled them; 验资: the deposits."""
    items = node(src.letter.get("items")) or {}
    as_of = chinese_date(letter.as_of)
    if letter_type == "bank_format2":
        c.heading(flow, "本行填列的信息：", keep=line_height(BODY))
        flow.paragraph(f"截至{as_of}（即“函证基准日”），本行根据本行记录填列的信息如下：",
                       first_indent=c.INDENT)
        flow.space(4)
        item_tables(flow, src, items, notes=False)
        if "cash_pool" in items:
            cash_pool_table(flow, src, node(items.get("cash_pool")), "/items/cash_pool")
        else:
            cash_pool_table(flow, src, node(src.letter.get("cash_pool")), "/cash_pool")
        flow.paragraph(FILLED_ONLY, first_indent=c.INDENT)
        flow.space(6)
    elif letter_type == "bank_capital":
        flow.paragraph(f"截至{as_of}（即“函证基准日”），本行记录的出资者缴入投资资金如下：",
                       first_indent=c.INDENT)
        flow.space(4)
        contributions_table(flow, src, items, "/items")


def _other_matters(flow: Flow, src: Source) -> None:
    other = src.text(src.letter, "other_matters", "", default="")
    c.heading(flow, "其他重大事项：", keep=line_height(BODY))
    flow.paragraph(other or "无", indent=c.INDENT)
    flow.space(6)


def _sign_off(flow: Flow, src: Source, letter: c.Letter) -> None:
    """经办人 and 复核人, the reply date, and the empty box for the bank's electronic seal."""
    for role, key in (("经办人", "handled_by"), ("复核人", "reviewed_by")):
        person = node(src.letter.get(key))
        at = f"/{key}"
        flow.paragraph(f"{role}：{src.text(person, 'name', at)}{GAP}"
                       f"职务：{src.text(person, 'title', at)}{GAP}"
                       f"电话：{src.text(person, 'phone', at)}")
    flow.space(6)
    replied_on = chinese_date(src.text(src.letter, "replied_on", ""))
    c.seal_area(flow, letter, "responder", [f"回函日期：{replied_on}"], SEAL_LABEL)


def layout_reply(reply: Mapping[str, Any], *, customer_name: str, pointer_prefix: str = ""
                 ) -> tuple[c.Letter, list[list[Op]]]:
    """Lays the reply out (checking every printed value) without drawing it."""
    letter_type = str(reply.get("letter_type"))
    if letter_type not in SUBTITLES:
        raise UnknownLetterType(f"unknown letter type {letter_type!r} for a bank reply; "
                                f"expected one of {', '.join(REPLY_TYPES)}",
                                field=f"{pointer_prefix}/letter_type")
    shared = shared_font()
    src = Source(reply, shared.can_draw, pointer_prefix)
    Source({}, shared.can_draw, "").check(customer_name, "customer_name")
    flow = Flow(Measure(shared.widths))
    letter = c.title_block(flow, src, TITLE, SUBTITLES[letter_type])
    _binding(flow, src, letter, customer_name)
    _conclusion(flow, src, pointer_prefix, letter_type)
    _filled(flow, src, letter_type, letter)
    _other_matters(flow, src)
    flow.together(lambda f: _sign_off(f, src, letter))
    return letter, flow.pages

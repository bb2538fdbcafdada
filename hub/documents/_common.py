"""Parts every letter shares: title, addressee, reply address, fee account, seal areas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.documents._fields import DASH, Source, applicable, chinese_date, node
from hub.documents._layout import BODY, CONTENT_TOP, Box, Column, Flow, line_height

TITLE = 18.0
INDENT = 2 * BODY  # 首行缩进两字
SEAL_W, SEAL_H = 200.0, 84.0  # room for a seal (about 42 mm) and a signature appearance
FULL_SPACE = "\u3000"
CROSS_SEAL_HINT = "（纸质函证多于一页的，请在各页右侧“骑缝章”处加盖骑缝章）"


@dataclass
class Letter:
    """What a builder hands back besides the pages: header text and the seal areas."""

    title: str
    number: str
    as_of: str
    boxes: dict[str, Box] = field(default_factory=dict)
    cross_seal: bool = False
    """A letter the client seals: printed on more than one page, each page's right edge carries
    the place for its 骑缝章 (the seal across the pages)."""


def heading(flow: Flow, text: str, *, keep: float = 0.0) -> None:
    """A bold item heading, kept on one page with the `keep` points that follow it."""
    if flow.y > CONTENT_TOP:
        flow.space(3)
    flow.keep(flow.paragraph_height(text) + keep)
    flow.paragraph(text, bold=True)


def title_block(flow: Flow, src: Source, title: str, subtitle: str | None, *,
                cross_seal: bool = False) -> Letter:
    letter = src.letter
    number = src.text(letter, "letter_number", "")
    as_of = src.text(letter, "as_of_date", "")
    flow.paragraph(title, size=TITLE, bold=True, align="C")
    if subtitle:
        flow.paragraph(subtitle, align="C")
    flow.space(6)
    return Letter(title=title, number=number, as_of=as_of, cross_seal=cross_seal)


def addressee(flow: Flow, src: Source, suffix: str = "") -> None:
    """One addressee: the registered institution whose seal answers (函证收件人, whose 总分支
    机构 scope the reply covers); the routing branch is not printed beside it, which would leave
    that scope unclear."""
    responder = node(src.letter.get("responder"))
    flow.paragraph(f"{src.text(responder, 'name', '/responder')}{suffix}：")


def firm_name(src: Source) -> str:
    return src.text(node(src.letter.get("reply_to")), "firm_name", "/reply_to")


def reply_address(flow: Flow, src: Source, lead: str) -> None:
    """The authorisation to reply straight to the firm, with the firm's published contacts."""
    reply_to = node(src.letter.get("reply_to"))

    def value(key: str) -> str:
        return src.text(reply_to, key, "/reply_to")

    flow.paragraph(lead, first_indent=INDENT)
    gap = FULL_SPACE * 2
    flow.paragraph(f"回函地址：{value('address')}{gap}邮编：{value('postcode')}", indent=INDENT)
    flow.paragraph(f"联系人：{value('contact')}{gap}电话：{value('phone')}{gap}"
                   f"传真：{value('fax')}", indent=INDENT)
    flow.paragraph(f"电子邮箱：{value('email')}", indent=INDENT)


def fee_account(flow: Flow, src: Source, payer: str = "本公司") -> None:
    fee = node(src.letter.get("fee_account"))
    if applicable(fee):
        name = src.text(fee, "account_name", "/fee_account")
        number = src.text(fee, "account_number", "/fee_account")
        flow.paragraph(f"{payer}谨授权贵行可从{payer}{name}账户（账号：{number}）支取办理本询证函"
                       "回函服务的费用（如适用）。", first_indent=INDENT)
    else:
        flow.paragraph(f"{payer}谨授权贵行可从{payer}［　　］账户支取办理本询证函回函服务的"
                       "费用（如适用）。（本函不涉及回函服务费用。）", first_indent=INDENT)


def period_text(src: Source) -> str:
    """审计期间: a calendar year as “2025年度”, anything else as a date range."""
    period = node(src.letter.get("audited_period"))
    start = src.text(period, "start", "/audited_period")
    end = src.text(period, "end", "/audited_period")
    if start == DASH or end == DASH:
        return "本期"
    if start[4:] == "-01-01" and end[4:] == "-12-31" and start[:4] == end[:4]:
        return f"{start[:4]}年度"
    return f"{chinese_date(start)}至{chinese_date(end)}期间"


def seal_area(flow: Flow, letter: Letter, role: str, lines: Sequence[str], label: str) -> None:
    """Right-aligned signer lines and an empty framed box where the seal or the electronic
    signature's appearance goes; the box is reported so signing can place its field there."""
    lh = line_height(BODY)
    flow.keep(len(lines) * lh + lh + SEAL_H)
    for text in lines:
        flow.paragraph(text, align="R")
    letter.boxes[role] = flow.reserve(SEAL_W, SEAL_H, label=label)
    flow.space(3)  # a date line below stays clear of the box


def signature_lines(flow: Flow, pairs: Sequence[Sequence[str]]) -> None:
    """Blank lines for the responder's clerk and reviewer (经办人, 复核人 …)."""
    for pair in pairs:
        flow.columns(pair)


def blank_rows(flow: Flow, columns: Sequence[Column], count: int) -> None:
    flow.kept_table(columns, [[""] * len(columns)] * count)

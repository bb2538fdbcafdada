"""Company letters (企业询证函) for receivables and payables, positive or negative."""

from __future__ import annotations

from hub.documents import _common as c
from hub.documents._fields import Source, chinese_date, rows
from hub.documents._layout import BODY, Column, Flow, line_height
from hub.domain.labels import COMPANY_KIND, MODE, zh_by_value

TITLE = "企业询证函"
KINDS = zh_by_value(COMPANY_KIND)
MODES = zh_by_value(MODE)
COLUMNS = (
    Column("截止日期", 1.0, lines=1, align="C"),
    Column("币种", 0.6, lines=1, align="C"),
    Column("贵公司欠", 1.2, lines=1, align="R"),
    Column("欠贵公司", 1.2, lines=1, align="R"),
    Column("备注", 2.0),
)
NOT_A_DEMAND = "本函仅为复核账目之用，并非催款结算。若款项在上述日期之后已经付清，"
CLOSING = {"positive": "仍请及时函复为盼。",
           # 消极式: a reply is needed only if the data differs (medium-low confidence in the
           # CICPA text: 核对 rather than 函复, which would contradict “相符则无需回复”).
           "negative": "仍请及时核对为盼。"}


def _year(as_of: str) -> str:
    """The audited year (“2025年度”) from the 截止日期; another date as “截至…”."""
    if len(as_of) == 10 and as_of[4:] == "-12-31":
        return f"{as_of[:4]}年度"
    return f"截至{chinese_date(as_of)}止期间"


def _intro(flow: Flow, src: Source, firm: str, negative: bool, as_of: str) -> None:
    lead = (f"本公司聘请的{firm}正在对本公司{_year(as_of)}财务报表进行审计，按照中国注册会计师审计"
            "准则的要求，应当询证本公司与贵公司的往来账项等事项。")
    if negative:
        ask = ("下列数据出自本公司账簿记录，如与贵公司记录相符，则无需回复；如有不符，请直接通知"
               "会计师事务所，并请在空白处列明贵公司认为是正确的信息。")
    else:
        ask = ("下列信息出自本公司账簿记录，如与贵公司记录相符，请在本函下端“信息证明无误”处签章"
               "证明；如有不符，请在“信息不符”处列明不符项目。如存在与本公司有关的未列入本函的其他"
               "项目，也请在“信息不符”处列出这些项目的金额及详细资料。")
    flow.paragraph(lead + ask, first_indent=c.INDENT)
    c.reply_address(flow, src, f"回函请直接寄至{firm}，地址及联系方式如下：")


def _balances(flow: Flow, src: Source, as_of: str) -> None:
    cells = [[as_of, src.text(row, "currency", f"/rows/{i}"),
              src.money(row, "owed_by_you", f"/rows/{i}"),
              src.money(row, "owed_to_you", f"/rows/{i}"),
              src.text(row, "note", f"/rows/{i}", default="")]
             for i, row in rows(src.letter)]
    layout = flow.layout_table(COLUMNS, cells)
    c.heading(flow, "1. 本公司与贵公司的往来账项列示如下：", keep=layout.lead_height)
    flow.paragraph("单位：元", align="R")
    flow.table(layout)
    flow.space(6)


def _box(flow: Flow, letter: c.Letter, text: str, role: str, *, grid: bool) -> None:
    """One conclusion with its own seal, date and 经办人: the recipient seals the one it means."""
    flow.paragraph(text, first_indent=c.INDENT)
    if grid:
        c.blank_rows(flow, (Column("不符项目"), Column("贵公司记录", 1.6), Column("说明", 1.6)), 3)
    c.seal_area(flow, letter, role, [], "（被询证单位盖章）")
    flow.paragraph("年　　月　　日", align="R")
    flow.paragraph("经办人：　　　　　　", align="R")
    flow.space(6)


def _reply(flow: Flow, letter: c.Letter, firm: str, negative: bool) -> None:
    flow.space(10)
    if negative:
        flow.paragraph(f"{firm}：")
        _box(flow, letter, "上面的信息不正确，差异如下：", "responder", grid=True)
        return
    flow.paragraph("结论：", bold=True)
    flow.together(lambda f: _box(f, letter, "1. 信息证明无误。", "responder", grid=False))
    flow.together(lambda f: _box(f, letter, "2. 信息不符，请列明不符项目及具体内容。",
                                 "responder_differences", grid=True))


def build(flow: Flow, src: Source, client_name: str | None, kind: str) -> c.Letter:
    """KINDS and MODES name the letter in lists and workpapers; the form itself is titled only
    企业询证函 (a printed 消极式 would tell the recipient that silence suffices)."""
    del kind
    mode = "negative" if src.letter.get("mode") == "negative" else "positive"
    src.choice(src.letter, "mode", "", MODES)
    letter = c.title_block(flow, src, TITLE, None, cross_seal=True)
    c.addressee(flow, src)
    firm = c.firm_name(src)
    _intro(flow, src, firm, mode == "negative", letter.as_of)
    _balances(flow, src, letter.as_of)
    other = src.text(src.letter, "other_matters", "", default="")
    c.heading(flow, "2. 其他事项：", keep=line_height(BODY))
    flow.paragraph(other or "无", indent=c.INDENT)
    flow.space(4)
    flow.paragraph(NOT_A_DEMAND + CLOSING[mode], first_indent=c.INDENT)
    flow.space(6)
    lines = [client_name] if client_name else []
    def client_seal(f: Flow) -> None:
        c.seal_area(f, letter, "client", lines, "（被审计单位盖章）")
        f.paragraph("年　　月　　日", align="R")

    flow.together(client_seal)
    flow.together(lambda f: _reply(f, letter, firm, mode == "negative"))
    return letter


def build_receivable(flow: Flow, src: Source, client_name: str | None) -> c.Letter:
    return build(flow, src, client_name, "company_receivable")


def build_payable(flow: Flow, src: Source, client_name: str | None) -> c.Letter:
    return build(flow, src, client_name, "company_payable")

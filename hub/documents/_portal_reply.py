"""A company's reply made on the portal (企业询证函回函), or the record that a negative letter
went unanswered (未回函视为无异议): what the hub attests and seals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hub.documents import _common as c
from hub.documents._company import KINDS, MODES
from hub.documents._fields import Source, chinese_date, node
from hub.documents._layout import BODY, Column, Flow, Measure, Op, line_height
from hub.documents._pdf import shared_font
from hub.documents._render import RenderedLetter, draw
from hub.domain.replies import binding_keywords

CST = timezone(timedelta(hours=8))
TITLES = {"reply": "企业询证函回函", "no_reply": "消极式询证函未回函记录"}
AGREED = "经核对，询证函所列信息与本公司记录相符（信息证明无误）。"
DIFFERENT = "经核对，询证函所列信息与本公司记录不符（信息不符），本公司记录的金额如下："
NO_REPLY = ("截至回函期限{due}，被询证单位未通过电子函证中心回函。按照消极式函证的约定，"
            "未回函视为无异议（未报告差异 / no difference reported）。此结论仅表示未收到回函，"
            "不同于被询证单位明确回复“信息证明无误”。")
ATTEST = ("本回函由被询证单位的登记联系人通过电子函证中心门户作出。电子函证中心据其在门户中的"
          "填报生成本文件并加盖电子印章，证明上述回函人、身份核验方式、回函时间及来源；"
          "印章验证有效即表明本文件生成后未被修改。")
ATTEST_NO_REPLY = ("本记录由电子函证中心根据函证记录生成并加盖电子印章；"
                   "印章验证有效即表明本记录生成后未被修改。")
SEAL_LABEL = "电子函证中心电子印章（Hub seal）"
LINE_COLUMNS = (Column("行次", 0.5, lines=1, align="C"), Column("项目", 0.9, lines=1),
                Column("币种", 0.5, lines=1, align="C"),
                Column("询证函金额", 1.2, lines=1, align="R"),
                Column("本公司记录", 1.2, lines=1, align="R"),
                Column("差额", 1.1, lines=1, align="R"))
AGREED_COLUMNS = (Column("行次", 0.5, lines=1, align="C"),
                  Column("币种", 0.5, lines=1, align="C"),
                  Column("贵公司欠", 1.2, lines=1, align="R"),
                  Column("欠贵公司", 1.2, lines=1, align="R"),
                  Column("核对结果", 0.8, lines=1, align="C"))
MATCHED = "相符"
FILE_COLUMNS = (Column("附件名称", 1.6), Column("大小（字节）", 0.7, lines=1, align="R"),
                Column("SHA-256", 2.4))
LABELS = {"owed_by_you": "贵公司欠", "owed_to_you": "欠贵公司"}
GAP = c.FULL_SPACE * 2


def _when(src: Source, value: Any, at: str) -> str:
    """An ISO time as China Standard Time (the hub's records are in UTC)."""
    if not isinstance(value, str) or not value:
        return "—"
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return src.check(value, at)
    return f"{t.astimezone(CST):%Y-%m-%d %H:%M:%S}（北京时间）"


def _letter_facts(flow: Flow, src: Source, letter: c.Letter) -> None:
    r = src.letter
    flow.paragraph(f"函证编号：{letter.number}")
    flow.paragraph(f"所回复询证函的 SHA-256：{src.text(r, 'letter_sha256', '')}")
    kind = KINDS.get(str(r.get("letter_type")), "")
    mode = MODES.get(str(r.get("mode")), "")
    flow.paragraph(f"询证函类型：企业询证函（{kind}·{mode}）{GAP}函证基准日："
                   f"{chinese_date(letter.as_of)}")
    flow.paragraph(f"被询证单位：{src.text(r, 'responder_name', '')}{GAP}统一社会信用代码："
                   f"{src.text(r, 'responder_uscc', '')}")
    flow.paragraph(f"被审计单位：{src.text(r, 'client_name', '')}")
    flow.paragraph(f"会计师事务所：{src.text(r, 'firm_name', '')}")
    flow.space(6)


def _agreed_table(flow: Flow, src: Source) -> None:
    """信息证明无误: one row per letter line, its amounts as the letter states them, 相符."""
    cells = []
    for i, line in enumerate(src.letter.get("lines") or []):
        figures = [node(line.get(name)) or {} for name in LABELS]
        if all(f.get("book") is None for f in figures):
            continue
        cells.append([str(int(line.get("row", i)) + 1),
                      src.text(line, "currency", f"/lines/{i}"),
                      *(src.money(f, "book", f"/lines/{i}/{name}")
                        for f, name in zip(figures, LABELS, strict=True)),
                      MATCHED])
    if cells:
        flow.kept_table(AGREED_COLUMNS, cells)
        flow.space(6)


def _differences_table(flow: Flow, src: Source) -> None:
    """信息不符: each figure that differs, both amounts and the difference; a line's number is
    printed once, on its first figure."""
    cells = []
    for i, line in enumerate(src.letter.get("lines") or []):
        number = str(int(line.get("row", i)) + 1)
        for name, label in LABELS.items():
            fig = node(line.get(name)) or {}
            if fig.get("book") is None and fig.get("confirmed") is None:
                continue
            if fig.get("difference") is None and fig.get("book") == fig.get("confirmed"):
                continue
            at = f"/lines/{i}/{name}"
            cells.append([number, label, src.text(line, "currency", f"/lines/{i}"),
                          src.money(fig, "book", at, default="未列示"),
                          src.money(fig, "confirmed", at, default="未列示"),
                          src.money(fig, "difference", at, default="—")])
            number = ""
    if cells:
        flow.kept_table(LINE_COLUMNS, cells)
        flow.space(6)


def _answer(flow: Flow, src: Source) -> None:
    r = src.letter
    c.heading(flow, "回函结论：", keep=2 * line_height(BODY))
    if r.get("conclusion") == "agreed":
        flow.paragraph(AGREED, first_indent=c.INDENT)
        flow.paragraph("询证函所列金额（单位：元）：", indent=c.INDENT)
        _agreed_table(flow, src)
    else:
        flow.paragraph(DIFFERENT, first_indent=c.INDENT)
        _differences_table(flow, src)
    explanation = src.text(r, "explanation", "", default="")
    c.heading(flow, "说明：", keep=line_height(BODY))
    flow.paragraph(explanation or "无", indent=c.INDENT)
    flow.space(4)
    files = [f for f in r.get("attachments") or [] if isinstance(f, Mapping)]
    c.heading(flow, "支持性附件：", keep=line_height(BODY))
    if not files:
        flow.paragraph("无", indent=c.INDENT)
    else:
        rows = [[src.text(f, "name", f"/attachments/{i}"), str(f.get("size", "")),
                 src.text(f, "sha256", f"/attachments/{i}")] for i, f in enumerate(files)]
        flow.kept_table(FILE_COLUMNS, rows)
    flow.space(6)


def _attestation(flow: Flow, src: Source) -> None:
    r = src.letter
    who = node(r.get("responder")) or {}
    check = node(r.get("verification")) or {}
    c.heading(flow, "回函人及身份核验：", keep=4 * line_height(BODY))
    flow.paragraph(f"回函人：{src.text(who, 'name', '/responder')}（被询证单位登记联系人）"
                   f"{GAP}电子邮箱：{src.text(who, 'email', '/responder')}", indent=c.INDENT)
    flow.paragraph(f"核验方式：一次性链接及 6 位验证码，均发送至登记邮箱 "
                   f"{src.text(check, 'email', '/verification')}；验证码发送时间 "
                   f"{_when(src, check.get('code_sent_at'), '/verification/code_sent_at')}，"
                   f"核验通过时间 "
                   f"{_when(src, check.get('verified_at'), '/verification/verified_at')}",
                   indent=c.INDENT)
    flow.paragraph(f"回函时间：{_when(src, r.get('replied_at'), '/replied_at')}", indent=c.INDENT)
    flow.paragraph(f"来源 IP：{src.text(r, 'ip', '')}", indent=c.INDENT)
    flow.paragraph(f"浏览器：{src.text(r, 'user_agent', '', default='未提供')}", indent=c.INDENT)
    flow.space(6)


def _no_reply(flow: Flow, src: Source) -> None:
    r = src.letter
    c.heading(flow, "送达情况：", keep=line_height(BODY))
    flow.paragraph(f"询证函送达时间：{_when(src, r.get('delivered_at'), '/delivered_at')}",
                   indent=c.INDENT)
    for i, sent in enumerate(r.get("links_sent") or []):
        at = f"/links_sent/{i}"
        flow.paragraph(f"一次性链接发送至 {src.text(sent, 'email', at)}，发送时间 "
                       f"{_when(src, sent.get('sent_at'), at + '/sent_at')}"
                       f"{'（收件人曾完成身份核验）' if sent.get('opened') else ''}",
                       indent=c.INDENT)
    c.heading(flow, "结论：", keep=line_height(BODY))
    due = chinese_date(src.text(r, "reply_due", ""))
    flow.paragraph(NO_REPLY.format(due=due), first_indent=c.INDENT)
    flow.paragraph(f"记录时间：{_when(src, r.get('recorded_at'), '/recorded_at')}",
                   indent=c.INDENT)
    flow.space(6)


def layout_portal_reply(record: Mapping[str, Any]) -> tuple[c.Letter, list[list[Op]]]:
    """Lays the record out (checking every printed value) without drawing it."""
    shared = shared_font()
    src = Source(record, shared.can_draw, "")
    flow = Flow(Measure(shared.widths))
    kind = "no_reply" if record.get("kind") == "no_reply" else "reply"
    kind_name = KINDS.get(str(record.get("letter_type")), "")
    letter = c.title_block(flow, src, TITLES[kind], f"（{kind_name}）" if kind_name else None)
    _letter_facts(flow, src, letter)
    if kind == "reply":
        _answer(flow, src)
        _attestation(flow, src)
        closing = ATTEST
    else:
        _no_reply(flow, src)
        closing = ATTEST_NO_REPLY
    flow.paragraph(closing, first_indent=c.INDENT)
    flow.space(6)
    flow.together(lambda f: c.seal_area(f, letter, "hub", [], SEAL_LABEL))
    return letter, flow.pages


def render_portal_reply_document(record: Mapping[str, Any], *,
                                 created_at: datetime | None = None) -> RenderedLetter:
    """The record as a PDF, with an empty box for the hub's seal (role "hub"); its Keywords
    bind it to the letter and to the reply data (`data_sha256` of the record)."""
    info, pages = layout_portal_reply(record)
    keywords = binding_keywords(str(record.get("letter_number", "")),
                                str(record.get("letter_sha256", "")),
                                str(record.get("data_sha256", "")))
    return draw(info, pages, created_at=created_at or datetime.now(UTC), keywords=keywords)


def render_portal_reply(record: Mapping[str, Any], *, created_at: datetime | None = None
                        ) -> bytes:
    """A portal reply (`kind` "reply") or an unanswered negative letter's record (`kind`
    "no_reply") as a PDF. Raises UnprintableCharacter naming the field (e.g. /explanation).
    Pure and CPU-bound: run it off the event loop."""
    return render_portal_reply_document(record, created_at=created_at).pdf

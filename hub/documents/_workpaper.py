"""The reply workpaper (回函核对底稿): the facts, warnings, comparison, signatures and history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hub.documents import _bank, _capital, _company
from hub.documents import _common as c
from hub.documents._errors import UnknownLetterType
from hub.documents._fields import DASH, Source, chinese_date, node, rows
from hub.documents._layout import BODY, Column, Flow, Measure, Op, line_height
from hub.documents._pdf import shared_font
from hub.documents._render import LETTER_TYPES, RenderedLetter, draw
from hub.documents._workpaper_tables import (
    STATUSES,
    exceptions_table,
    history_table,
    moment,
    signatures_table,
    strings,
)
from hub.domain.labels import CHANNEL, zh_by_value

TITLE = "回函核对底稿"
SUBTITLE = "Confirmation workpaper"
GAP = c.FULL_SPACE * 2
CHANNELS = zh_by_value(CHANNEL)
CONCLUSIONS = {"agreed": "相符", "differences": "存在不符事项",
               # A negative company letter unanswered by its deadline: not a reply that agrees.
               "no_difference_reported": "未回函视为无异议（消极式，未收到回函）"}
AGREED = "核对相符，无差异。"
FILLED = "银行已按本行记录填列（与账面的差异见下，由审计人员评价）"
"""格式二 lists nothing for the bank to check: its reply is never “相符”."""
WARNING_COLUMNS = (Column("警示 Warnings（请复核）"),)
CLOSING = ("本底稿由电子函证中心根据函证记录生成，并以电子函证中心的证书加盖电子印章；印章验证有效"
           "即表明本底稿生成后未被修改。This workpaper is sealed with the hub's certificate.")
SEAL_LABEL = "电子函证中心电子印章（Hub seal）"


def type_title(src: Source, confirmation: Mapping[str, Any] | None) -> str:
    """The letter type: the form's title (company letters add what they confirm and how)."""
    letter_type = str(confirmation.get("letter_type") if confirmation is not None else None)
    if letter_type in _bank.TITLES:
        return _bank.TITLES[letter_type]
    if letter_type == "bank_capital":
        return _capital.TITLE
    if letter_type in _company.KINDS:
        mode = src.choice(confirmation, "mode", "/confirmation", _company.MODES)
        return f"{_company.TITLE}（{_company.KINDS[letter_type]}·{mode}）"
    raise UnknownLetterType(f"unknown letter type {letter_type!r}; expected one of "
                            f"{', '.join(LETTER_TYPES)}", field="/confirmation/letter_type")


def _period(src: Source, engagement: Mapping[str, Any] | None) -> str:
    start = src.text(engagement, "period_start", "/engagement")
    end = src.text(engagement, "period_end", "/engagement")
    return f"{chinese_date(start)}至{chinese_date(end)}"


def _when(src: Source, holder: Mapping[str, Any] | None, key: str, at: str) -> str:
    text = src.text(holder, key, at)
    return text if text == DASH else moment(text)


def _facts(flow: Flow, src: Source, letter: c.Letter) -> None:
    """Who, what, when: the engagement, the letter, the responder, the reply."""
    wp = src.letter
    engagement = node(wp.get("engagement"))
    confirmation = node(wp.get("confirmation"))
    responder = node(wp.get("responder"))
    reply = node(wp.get("reply"))

    def e(key: str) -> str:
        return src.text(engagement, key, "/engagement")

    def k(key: str) -> str:
        return src.text(confirmation, key, "/confirmation")

    def r(key: str) -> str:
        return src.text(responder, key, "/responder")

    def p(key: str) -> str:
        return src.text(reply, key, "/reply")

    c.heading(flow, "一、函证信息 Confirmation", keep=line_height(BODY))
    bank_code = src.text(responder, "bank_code", "/responder", default="")
    conclusion = src.choice(reply, "conclusion", "/reply", CONCLUSIONS)
    letter_type = confirmation.get("letter_type") if confirmation is not None else None
    if letter_type == "bank_format2":
        conclusion = FILLED
    audited = "被审验单位" if letter_type == "bank_capital" else "被审计单位"  # 验资: no audit
    lines = [
        f"审计项目：{e('name')}{GAP}项目编号：{e('reference')}",
        f"{audited}：{e('client_name')}{GAP}统一社会信用代码：{e('client_uscc')}",
        f"审计期间：{_period(src, engagement)}",
        f"会计师事务所：{src.text(node(wp.get('firm')), 'name', '/firm')}",
        f"函证编号：{letter.number}{GAP}函证记录标识：{k('id')}",
        f"函证类型：{type_title(src, confirmation)}",
        f"函证基准日：{chinese_date(letter.as_of)}{GAP}"
        f"函证状态：{src.choice(confirmation, 'status', '/confirmation', STATUSES)}",
        f"被询证单位：{r('name')}",
        f"统一社会信用代码：{r('uscc')}" + (f"{GAP}行号：{bank_code}" if bank_code else ""),
        f"发函渠道：{src.choice(responder, 'channel', '/responder', CHANNELS)}",
        f"发函时间：{_when(src, confirmation, 'dispatched_at', '/confirmation')}{GAP}"
        f"送达时间：{_when(src, confirmation, 'delivered_at', '/confirmation')}",
        f"回函期限：{chinese_date(k('reply_due'))}{GAP}"
        f"催函次数：{k('second_requests')}",
        f"回函接收时间：{_when(src, reply, 'received_at', '/reply')}{GAP}回函结论：{conclusion}",
        f"回函签名人：{p('signer')}",
        f"询证函 SHA-256：{k('letter_sha256')}",
        f"回函 SHA-256：{p('sha256')}",
        f"回函签名证书 SHA-256：{p('signer_sha256')}",
    ]
    for line in lines:
        flow.paragraph(line)
    flow.paragraph("（时间均为北京时间 UTC+8）")
    flow.space(6)


def _warnings(flow: Flow, src: Source) -> None:
    """What the auditor must look at: a bordered box, one numbered line each."""
    warnings = strings(src, node(src.letter.get("confirmation")), "warnings", "/confirmation")
    c.heading(flow, "二、警示 Warnings", keep=line_height(BODY))
    if not warnings:
        flow.paragraph("无", indent=c.INDENT)
    else:
        flow.kept_table(WARNING_COLUMNS,
                        [[f"{n}. {text}"] for n, text in enumerate(warnings, 1)])
    flow.space(6)


def _comparison(flow: Flow, src: Source) -> None:
    exceptions = rows(src.letter, "exceptions")
    c.heading(flow, "三、核对结果 Comparison", keep=2 * line_height(BODY))
    if (node(src.letter.get("reply")) or {}).get("conclusion") == "no_difference_reported":
        flow.paragraph("未收到回函：消极式询证函在回函期限内未回函，视为无异议（未报告差异），"
                       "并非被询证单位确认相符。No reply: no difference reported.",
                       first_indent=c.INDENT)
    elif not exceptions:
        flow.paragraph(AGREED + "Agreed, no differences.", first_indent=c.INDENT)
    else:
        flow.paragraph(f"经逐项核对，发现 {len(exceptions)} 项差异，列示如下"
                       "（差额 = 回函确认 - 账面）：", first_indent=c.INDENT)
        exceptions_table(flow, src, exceptions)
    flow.space(6)


def _signatures(flow: Flow, src: Source) -> None:
    signatures = rows(src.letter, "signatures")
    c.heading(flow, "四、签名验证报告 Signature validation", keep=2 * line_height(BODY))
    if not signatures:
        flow.paragraph("未取得签名验证结果。", first_indent=c.INDENT)
    else:
        signatures_table(flow, src, signatures)
    flow.space(6)


def _history(flow: Flow, src: Source) -> None:
    history = rows(src.letter, "history")
    c.heading(flow, "五、状态历史 Status history", keep=2 * line_height(BODY))
    if not history:
        flow.paragraph("无", indent=c.INDENT)
    else:
        flow.paragraph("每条记录的哈希链接前一条记录，可据以验证历史未被修改。",
                       first_indent=c.INDENT)
        history_table(flow, src, history)
    flow.space(6)


def _closing(flow: Flow, letter: c.Letter, created: str) -> None:
    flow.paragraph(CLOSING, first_indent=c.INDENT)
    flow.space(6)
    c.seal_area(flow, letter, "hub", [f"电子函证中心{GAP}生成时间：{created}"], SEAL_LABEL)


def layout_workpaper(workpaper: Mapping[str, Any], *, created_at: datetime
                     ) -> tuple[c.Letter, list[list[Op]]]:
    """Lays the workpaper out (checking every printed value) without drawing it."""
    shared = shared_font()
    src = Source(workpaper, shared.can_draw, "")
    confirmation = node(workpaper.get("confirmation"))
    letter = c.Letter(title=TITLE,
                      number=src.text(confirmation, "letter_number", "/confirmation", ""),
                      as_of=src.text(confirmation, "as_of_date", "/confirmation", ""))
    flow = Flow(Measure(shared.widths))
    flow.paragraph(TITLE, size=c.TITLE, bold=True, align="C")
    flow.paragraph(SUBTITLE, align="C")
    flow.space(6)
    _facts(flow, src, letter)
    _warnings(flow, src)
    _comparison(flow, src)
    _signatures(flow, src)
    _history(flow, src)
    created = moment(created_at.isoformat())
    flow.together(lambda f: _closing(f, letter, created))
    return letter, flow.pages


def render_workpaper_document(workpaper: Mapping[str, Any], *,
                              created_at: datetime | None = None) -> RenderedLetter:
    """As `render_workpaper`, with the page count and the empty box for the hub's seal on the
    last page, under the role "hub"."""
    created = created_at or datetime.now(UTC)
    info, pages = layout_workpaper(workpaper, created_at=created)
    return draw(info, pages, created_at=created)


def render_workpaper(workpaper: Mapping[str, Any], *, created_at: datetime | None = None
                     ) -> bytes:
    """The reply workpaper (回函核对底稿) as a PDF.

    `workpaper` is the plain dict the hub builds: `engagement`, `firm`, `confirmation`,
    `responder`, `reply`, `exceptions`, `signatures` and `history` (money as decimal strings,
    instants in ISO 8601, printed in Beijing time). `created_at` fixes the document date and the
    generation time it prints, which makes the output reproducible. Raises
    UnprintableCharacter whose `field` is the JSON pointer of the value inside `workpaper`, or
    UnknownLetterType (field "/confirmation/letter_type").
    Pure and CPU-bound: run it in a worker thread or process, not on the event loop.
    """
    return render_workpaper_document(workpaper, created_at=created_at).pdf

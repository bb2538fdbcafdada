"""The portal's HTML pages: Chinese, phone-sized, no outside assets, every value escaped."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from hub.domain.labels import COMPANY_KIND, MODE, zh_by_value

STYLE = """
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,"PingFang SC","Noto Sans CJK SC",
"Microsoft YaHei",sans-serif;font-size:16px;line-height:1.6;color:#1f2933;background:#f4f5f7}
main{max-width:760px;margin:0 auto;padding:16px;overflow-wrap:anywhere}
section{background:#fff;border-radius:8px;padding:16px;margin:12px 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:1.3em;margin:.2em 0}
h2{font-size:1.1em}table{border-collapse:collapse;width:100%;font-size:.95em}
td,th{border:1px solid #d0d5dd;padding:6px;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}.scroll{overflow-x:auto}
input[type=text],input[type=number],textarea{width:100%;padding:10px;font-size:1em;
border:1px solid #98a2b3;border-radius:6px}textarea{min-height:6em}
button{width:100%;padding:12px;font-size:1.05em;border:0;border-radius:6px;background:#1d4ed8;
color:#fff;margin-top:12px}.error{background:#fef3f2;border:1px solid #f04438;color:#b42318;
padding:10px;border-radius:6px}.note{color:#667085;font-size:.9em}label.choice{display:block;
padding:10px;border:1px solid #d0d5dd;border-radius:6px;margin:8px 0}
.fig{display:flex;gap:8px;align-items:center;margin:6px 0}.fig span{flex:0 0 9em}
"""
KINDS = zh_by_value(COMPANY_KIND)
MODES = zh_by_value(MODE)
LABELS = {"owed_by_you": "贵公司欠", "owed_to_you": "欠贵公司"}
NOT_A_DEMAND = ("本函仅为复核账目之用，并非催款结算。若款项在上述日期之后已经付清，"
                "仍请及时函复为盼。")

ERRORS = {
    "unknown": ("链接无效", "无法识别此链接。请核对邮件中的完整链接，或联系发函的会计师事务所。"),
    "used": ("链接已失效", "此询证函已经回函，链接不能再次使用。"),
    "expired": ("链接已过期", "此链接已超过有效期。如需回函，请联系发函的会计师事务所。"),
    "locked": ("链接已锁定", "验证码错误次数过多，此链接已被锁定。请联系发函的会计师事务所。"),
    "closed": ("链接已失效", "此询证函当前不接受回函。如有疑问，请联系发函的会计师事务所。"),
    "not_verified": ("请先完成身份验证",
                     "查看询证函前，请先通过发送至登记邮箱的验证码完成身份验证。"),
}


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"referrer\" content=\"no-referrer\">"
            f"<title>{e(title)} - 电子函证中心</title><style>{STYLE}</style></head><body><main>"
            f"<p class=\"note\">电子函证中心 · 企业询证函回函</p>{body}</main></body></html>")


def error_page(why: str, base: str | None = None) -> str:
    title, text = ERRORS.get(why, ERRORS["unknown"])
    back = (f"<p><a href=\"{e(base)}\">返回身份验证</a></p>"
            if why == "not_verified" and base else "")
    return page(title, f"<section><h1>{e(title)}</h1><p>{e(text)}</p>{back}</section>")


def _message(error: str | None) -> str:
    return f"<p class=\"error\" role=\"alert\">{e(error)}</p>" if error else ""


def landing(base: str, masked: str, csrf: str, *, error: str | None = None,
            code_sent: bool = False) -> str:
    enter = (f"<p><a href=\"{e(base)}/verify\">已收到验证码？点此输入</a></p>"
             if code_sent else "")
    return page("身份验证", f"""<section><h1>身份验证</h1>{_message(error)}
<p>为确认您是被询证单位的登记联系人，我们将向登记邮箱 <b>{e(masked)}</b> 发送 6 位验证码。</p>
<form method="post" action="{e(base)}/code"><input type="hidden" name="csrf" value="{e(csrf)}">
<button type="submit">发送验证码至 {e(masked)}</button></form>{enter}
<p class="note">验证码 10 分钟内有效。连续输错 5 次，链接将被锁定。</p></section>""")


def verify(base: str, masked: str, csrf: str, *, error: str | None = None) -> str:
    return page("输入验证码", f"""<section><h1>输入验证码</h1>{_message(error)}
<p>验证码已发送至 <b>{e(masked)}</b>，10 分钟内有效。</p>
<form method="post" action="{e(base)}/verify"><input type="hidden" name="csrf" value="{e(csrf)}">
<label for="code">6 位验证码</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
 pattern="[0-9]{{6}}" maxlength="6" required>
<button type="submit">验证并查看询证函</button></form>
<form method="post" action="{e(base)}/code"><input type="hidden" name="csrf" value="{e(csrf)}">
<button type="submit" style="background:#475467">重新发送验证码</button></form></section>""")


def _rows_table(letter: Mapping[str, Any]) -> str:
    rows = []
    for row in letter.get("rows") or []:
        if not isinstance(row, Mapping):
            continue
        rows.append(f"<tr><td>{e(letter.get('as_of_date'))}</td><td>{e(row.get('currency'))}"
                    f"</td><td class=\"n\">{e(row.get('owed_by_you') or '—')}</td>"
                    f"<td class=\"n\">{e(row.get('owed_to_you') or '—')}</td>"
                    f"<td>{e(row.get('note') or '')}</td></tr>")
    return ("<div class=\"scroll\"><table><thead><tr><th>截止日期</th><th>币种</th>"
            f"<th>贵公司欠</th><th>欠贵公司</th><th>备注</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _figures(letter: Mapping[str, Any], form: Mapping[str, str]) -> str:
    out = []
    for i, row in enumerate(letter.get("rows") or []):
        if not isinstance(row, Mapping):
            continue
        inputs = []
        for name, label in LABELS.items():
            key = f"row-{i}-{name}"
            stated = row.get(name)
            hint = f"询证函：{stated}" if stated is not None else "询证函未列示（如有请填写）"
            inputs.append(f"<label class=\"fig\"><span>{label}（{e(row.get('currency'))}）</span>"
                          f"<input type=\"text\" name=\"{key}\" inputmode=\"decimal\" "
                          f"value=\"{e(form.get(key, ''))}\" placeholder=\"{e(hint)}\"></label>")
        out.append(f"<fieldset><legend>第 {i + 1} 行 {e(row.get('note') or '')}</legend>"
                   f"{''.join(inputs)}</fieldset>")
    return "".join(out)


def letter_page(base: str, view: Any, csrf: str, *, error: str | None = None,
                form: Mapping[str, str] | None = None) -> str:
    c = view.confirmation
    letter = c.letter
    form = form or {}
    reply_to = letter.get("reply_to") or {}
    kind = KINDS.get(c.letter_type.value, "")
    mode = MODES.get(c.mode.value, "")
    negative = c.mode.value == "negative"
    firm = reply_to.get("firm_name") or view.firm_name
    ask = ("本函为消极式询证函：如信息与贵公司记录相符，无需回函；"
           "如有不符，请选择“信息不符”并填列。"
           if negative else "无论信息是否相符，均请回函。")
    pdf = (f"<p><a href=\"{e(base)}/letter.pdf\">下载已签名的询证函（PDF）</a></p>"
           if view.letter_pdf_sha256 else "")
    checked = form.get("answer", "")
    other = letter.get("other_matters") or "无"
    explanation = e(form.get("explanation", ""))
    body = f"""<section><h1>企业询证函（{e(kind)}·{e(mode)}）</h1>
<p>函证编号：{e(c.letter_number)}<br>函证基准日：{e(c.as_of_date.isoformat())}<br>
回函期限：{e(c.reply_due.isoformat() if c.reply_due else '')}</p>
<p>{e((letter.get('responder') or {}).get('name'))}：</p>
<p>本公司聘请的{e(firm)}正在对本公司（{e(view.client_name)}）的财务报表进行审计，按照中国注册会计师审计准则
的要求，应当询证本公司与贵公司的往来账项等事项。下列信息出自本公司账簿记录。{e(ask)}</p>
{_rows_table(letter)}<p>其他事项：{e(other)}</p><p class="note">{e(NOT_A_DEMAND)}</p>{pdf}</section>
<section><h2>回函</h2>{_message(error)}
<form method="post" action="{e(base)}/reply" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{e(csrf)}">
<label class="choice"><input type="radio" name="answer" value="agreed"
{' checked' if checked == 'agreed' else ''}> 信息证明无误</label>
<label class="choice"><input type="radio" name="answer" value="differences"
{' checked' if checked == 'differences' else ''}> 信息不符
（请在下方填列贵公司记录的金额并说明）</label>
<h2>贵公司记录的金额（仅“信息不符”时填写）</h2>
<p class="note">请填写贵公司账面记录的金额，例如 1865320.00；
询证函未列示且贵公司也无记录的，留空。</p>
{_figures(letter, form)}
<label for="explanation">说明（“信息不符”时必填）</label>
<textarea id="explanation" name="explanation" maxlength="2000">{explanation}</textarea>
<label for="attachments">支持性附件（可选；PDF、JPEG 或 PNG，每个不超过 5 MB，最多 5 个）</label>
<input type="file" id="attachments" name="attachments" multiple
 accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png">
<button type="submit">提交回函</button></form>
<p class="note">提交后，电子函证中心将生成回函文件并加盖电子印章，
直接送达{e(firm)}；链接随即失效。</p>
</section>"""
    return page("企业询证函", body)


def done(letter_number: str, answer: str, differences: int) -> str:
    text = ("信息证明无误" if answer == "agreed"
            else f"信息不符（{differences} 处金额不符）")
    return page("回函已提交", f"""<section><h1>回函已提交</h1>
<p>函证编号 {e(letter_number)} 的回函已提交：{e(text)}。</p>
<p>电子函证中心已生成回函文件并加盖电子印章，直接送达会计师事务所。此链接已失效。</p></section>""")

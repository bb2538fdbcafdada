"""Long letters: each page is numbered and headed, and tables repeat their header row."""

from __future__ import annotations

import re

from tests.documents import letters
from tests.documents.conftest import page_count, squash

# The header row as `pdftotext -raw` reads it: cell after cell, in drawing order.
DEPOSIT_HEADER = ("账户名称银行账号币种利率账户类型账户余额"
                  "是否属于资金归集（资金池或其他资金管理）账户起始日期终止日期"
                  "是否存在冻结、担保或其他使用限制（如是，请注明相关情形）备注")


def test_sixty_deposits_run_over_pages_each_numbered_and_headed(render, pdf_text):
    letter = letters.with_deposits(60)
    pdf = render("bank_format1", letter)
    total = page_count(pdf)
    assert total >= 3
    pages = [squash(pdf_text(pdf, n, "-raw")) for n in range(1, total + 1)]
    for n, text in enumerate(pages, start=1):
        assert f"函证编号：{letter['letter_number']}" in text, f"page {n}"
        assert f"第{n}页/共{total}页" in text, f"page {n}"
    # The pages holding deposit rows: from the heading's page to the last row's.
    last_row = letter["items"]["deposits"]["rows"][-1]["account_number"]
    first = next(n for n, t in enumerate(pages) if "1.银行存款" in t)
    last = next(n for n, t in enumerate(pages) if last_row[-9:] in t)
    assert last > first
    for n in range(first, last + 1):
        assert DEPOSIT_HEADER in pages[n], f"page {n + 1} has deposit rows but no header row"
    words = pdf_text(pdf).split()
    for row in letter["items"]["deposits"]["rows"]:
        assert letters.printed(row["balance"]) in words


def test_a_row_taller_than_a_page_is_split_and_nothing_is_lost(render, pdf_text):
    letter = letters.with_deposits(2)
    remark = "".join(f"第{i:03d}条备注说明；" for i in range(50))  # 500 characters
    letter["items"]["deposits"]["rows"][1]["remarks"] = remark
    letters.valid("bank_format1", letter)
    pdf = render("bank_format1", letter)
    total = page_count(pdf)
    assert total > 2  # the remark alone is taller than a page
    body = ""
    for n in range(1, total + 1):
        page = squash(pdf_text(pdf, n, "-raw"))
        running = (f"函证编号：{letter['letter_number']}函证基准日：{letter['as_of_date']}"
                   f"第{n}页/共{total}页骑缝章")  # and the place for the 骑缝章
        assert page.startswith(running)
        body += page.removeprefix(running).removeprefix(DEPOSIT_HEADER if n > 1 else "")
    assert remark in body


def test_long_other_text_flows_over_pages(render, pdf_text):
    letter = letters.nothing_applicable()
    text = "\n".join(f"第{i}段：本公司与贵行之间的其他事项说明。" * 3 for i in range(1, 80))
    letter["items"]["other"] = {"applicable": True, "text": text[:4000]}
    letters.valid("bank_format1", letter)
    pdf = render("bank_format1", letter)
    total = page_count(pdf)
    assert total >= 3
    for n in range(1, total + 1):
        assert re.search(rf"第\s*{n}\s*页\s*/\s*共\s*{total}\s*页", pdf_text(pdf, n))

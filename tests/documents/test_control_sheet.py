"""The control sheet PDF (函证控制表): landscape A4, the header and page numbers on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from hub.documents import render_control_sheet
from tests.documents.conftest import CREATED, page_count, squash

COLUMNS = ["序号", "函证编号", "函证类型", "被询证者", "发函渠道", "发函日期", "送达日期", "催函",
           "回函日期", "回函截止日", "回函结果", "差异", "替代程序", "状态"]


def sheet(rows: int, note: str = "检查期后银行对账单") -> dict[str, Any]:
    return {
        "title": "函证控制表",
        "running": "函证控制表　信达会计师事务所　2025年度审计（XD-2025-018）",
        "header": [["会计师事务所", "信达会计师事务所"], ["审计项目", "2025年度审计"]],
        "totals": f"函证总数 {rows}，已发函 {rows}",
        "columns": COLUMNS,
        "rows": [[str(n), f"BC-2025-{n:03d}", "银行询证函（格式一）", "京华商业银行北京分行",
                  "银行接口（银行收取）", "2026-01-13", "2026-01-13", "", "", "2026-01-27",
                  "逾期", "", note, "已送达"] for n in range(1, rows + 1)],
    }


def test_every_page_repeats_the_running_header_and_the_column_titles(pdf_text: Any) -> None:
    pdf = render_control_sheet(sheet(60), created_at=CREATED)
    pages = page_count(pdf)
    assert pages > 1
    for n in range(1, pages + 1):
        text = squash(pdf_text(pdf, n))
        assert text.startswith("函证控制表信达会计师事务所2025年度审计（XD-2025-018）"), n
        assert "序号函证编号函证类型被询证者发函渠道" in text, n
        assert f"第{n}页共{pages}页" in text, n
    everything = squash(pdf_text(pdf))
    assert all(f"BC-2025-{n:03d}" in everything for n in range(1, 61))
    assert "统计：函证总数60，已发函60" in everything


def test_the_page_is_landscape_a4(pdf_text: Any) -> None:
    boxes = pdf_text(render_control_sheet(sheet(1), created_at=CREATED), None, "-bbox")
    sizes = set(re.findall(r'<page width="([\d.]+)" height="([\d.]+)"', boxes))
    assert sizes == {("841.890000", "595.280000")}


def test_a_character_the_font_lacks_prints_as_a_question_mark(pdf_text: Any) -> None:
    pdf = render_control_sheet(sheet(1, note="电话确认😀"), created_at=CREATED)
    assert "电话确认?" in squash(pdf_text(pdf))


def test_an_engagement_without_letters_says_so(pdf_text: Any) -> None:
    pdf = render_control_sheet(sheet(0), created_at=datetime(2026, 1, 5, tzinfo=UTC))
    assert "本项目尚无函证。" in squash(pdf_text(pdf))

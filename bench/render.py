"""Render benchmark: ms per letter and letters/s on one core, for every letter type.

Beside the hub's renderer it times "stock fpdf2" in the same run: the same letter drawn the
plain way (add_font for every document, multi_cell and table(), fpdf2's own font subsetting),
once with the packaged font and, when Debian's fonts-noto-cjk is installed, once with the full
Noto Sans CJK collection. Issue target: at least 50 one-page letters per second per core.
Times are the median CPU time of one render on one core.
Run: .venv/bin/python bench/render.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import schemas  # noqa: E402
from hub.documents import LETTER_TYPES, render_letter_document  # noqa: E402
from hub.documents._bank_items import CASH_POOL, GUARANTEES, ITEMS, OTHER  # noqa: E402
from hub.documents._fields import Source, applicable, node, rows  # noqa: E402
from hub.documents._font import font_path  # noqa: E402
from hub.documents._pdf import shared_font  # noqa: E402

CREATED = datetime(2026, 1, 5, tzinfo=UTC)
CLIENT = "北京堃喆昇科技有限公司"
SYSTEM_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def letter_of(letter_type: str) -> dict[str, Any]:
    letter: dict[str, Any] = schemas.example(f"confirmation_request.{letter_type}")["letter"]
    return letter


def sixty_deposits() -> dict[str, Any]:
    letter = letter_of("bank_format1")
    row = letter["items"]["deposits"]["rows"][0]
    letter["items"]["deposits"]["rows"] = [
        {**row, "account_number": f"02000045092{i:08d}", "balance": f"{1000 + 37 * i}.{i:02d}"}
        for i in range(60)]
    return letter


def one_page_company() -> dict[str, Any]:
    letter = letter_of("company_payable")
    letter["rows"] = letter["rows"][:1]
    return letter


def time_it(fn: Callable[[], Any], seconds: float) -> float:
    """Median CPU seconds per call over at least `seconds` (and 5 calls), after a warm-up.

    CPU time of this one thread, so other work on the machine does not inflate the figure."""
    fn()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < 5 or time.perf_counter() < deadline:
        start = time.thread_time()
        fn()
        samples.append(time.thread_time() - start)
    return statistics.median(samples)


def stock_render(letter: Mapping[str, Any], font: Path, face: int) -> bytes:
    """A straightforward fpdf2 rendering of a 格式一 letter, for comparison."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", "", str(font), collection_font_number=face)
    pdf.set_font("cjk", size=10.5)
    pdf.add_page()
    pdf.set_creation_date(CREATED)
    src = Source(letter, lambda _: True, "")

    def para(text: str) -> None:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    para("银行询证函")
    para(f"函证编号：{letter['letter_number']}  函证基准日：{letter['as_of_date']}")
    para(f"{letter['responder']['name']}：本公司聘请的{letter['reply_to']['firm_name']}正在对本公司"
         "的财务报表进行审计，按照中国注册会计师审计准则的要求，应当询证本公司与贵行相关的信息。")
    items = letter.get("items", {})
    for item in (*ITEMS, CASH_POOL):
        value = node(items.get(item.key)) if item is not CASH_POOL else node(letter["cash_pool"])
        para(item.heading)
        if not applicable(value) or item in (GUARANTEES, OTHER) or not item.fields:
            para("不适用")
            continue
        with pdf.table(headings_style=FontFace(), line_height=5) as table:
            table.row([f.header for f in item.fields])
            for i, row in rows(value):
                table.row([f.cell(src, row, "", i) for f in item.fields])
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per figure")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    start = time.perf_counter()
    shared_font()
    print(f"font parsed once per process: {1000 * (time.perf_counter() - start):.0f} ms "
          f"({font_path().stat().st_size / 1e6:.1f} MB, {len(shared_font().prototype.cmap)} "
          "characters)\n")

    cases: list[tuple[str, str, dict[str, Any]]] = [
        (t, f"{t} (example)", letter_of(t)) for t in LETTER_TYPES]
    cases.append(("company_payable", "company_payable, one row", one_page_company()))
    cases.append(("bank_format1", "bank_format1, 60 deposits", sixty_deposits()))

    print(f"{'letter':<34} {'pages':>5} {'ms/letter':>10} {'letters/s':>10} {'ms/page':>8}")
    for letter_type, label, letter in cases:
        def run(t: str = letter_type, data: dict[str, Any] = letter) -> Any:
            return render_letter_document(t, data, client_name=CLIENT, created_at=CREATED)

        pages = run().pages
        seconds = time_it(run, args.seconds)
        print(f"{label:<34} {pages:>5} {1000 * seconds:>10.1f} {1 / seconds:>10.1f} "
              f"{1000 * seconds / pages:>8.1f}")

    print("\nbaseline: stock fpdf2, bank_format1 example (items as plain tables)")
    baselines = [("packaged font (29k glyphs, glyf)", font_path(), 0)]
    if SYSTEM_CJK.exists():
        baselines.append(("full Noto Sans CJK SC (65k, CFF)", SYSTEM_CJK, 2))
    letter = letter_of("bank_format1")
    for label, path, face in baselines:
        seconds = time_it(lambda p=path, f=face: stock_render(letter, p, f), args.seconds)
        print(f"{label:<34} {'':>5} {1000 * seconds:>10.1f} {1 / seconds:>10.1f}")


if __name__ == "__main__":
    main()

"""Fixtures for the letter renderer: rendering with a fixed date and reading text back."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.documents import render_letter

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CREATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
CLIENT = "北京堃喆昇科技有限公司"

Render = Callable[..., bytes]
Extract = Callable[..., str]


@pytest.fixture
def render() -> Render:
    def _render(letter_type: str, letter: Mapping[str, Any], **kw: Any) -> bytes:
        kw.setdefault("client_name", CLIENT)
        kw.setdefault("created_at", CREATED)
        return render_letter(letter_type, letter, **kw)

    return _render


@pytest.fixture(scope="session")
def pdftotext_bin() -> str:
    """poppler's pdftotext; CI must have it (apt-get install poppler-utils), so there a
    missing binary fails the test instead of skipping it."""
    path = shutil.which("pdftotext")
    if path is None:
        message = "pdftotext is not installed (apt-get install -y poppler-utils)"
        if UNDER_CI:
            pytest.fail(message + "; CI must have it", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture
def pdf_text(pdftotext_bin: str, tmp_path) -> Extract:
    """The text of a PDF (or of one page) as pdftotext extracts it."""

    def _extract(pdf: bytes, page: int | None = None, *extra: str) -> str:
        source = tmp_path / "letter.pdf"
        source.write_bytes(pdf)
        pages = ["-f", str(page), "-l", str(page)] if page else []
        done = subprocess.run([pdftotext_bin, "-enc", "UTF-8", *pages, *extra, str(source), "-"],
                              capture_output=True, check=True, timeout=60)
        return done.stdout.decode("utf-8")

    return _extract


def squash(text: str) -> str:
    """Text without any whitespace: table cells and wrapped lines read as one string."""
    return "".join(text.split())


def page_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def seal_page_words(done: Any, role: str, pdftotext_bin: str, path: Path
                    ) -> tuple[list[tuple[str, ...]], tuple[float, float, float, float]]:
    """Check `role`'s seal box lies on the last page with room for a seal; return the words
    of that page as pdftotext places them, and the box as (left, top, right, bottom) measured
    from the top of the page, as pdftotext measures."""
    spot = done.signature_boxes[role]
    assert spot.page == done.pages - 1 == page_count(done.pdf) - 1
    x1, y1, x2, y2 = spot.box
    assert 0 <= x1 < x2 <= 595.28 and 0 <= y1 < y2 <= 841.89
    assert x2 - x1 >= 150 and y2 - y1 >= 60
    path.write_bytes(done.pdf)
    html = subprocess.run([pdftotext_bin, "-bbox", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()
    last = html.split("<page ")[1:][spot.page]
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                       r"([^<]*)<", last)
    return words, (x1, 841.89 - y2, x2, 841.89 - y1)

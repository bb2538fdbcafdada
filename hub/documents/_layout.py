"""Measures, wraps and paginates text and tables into per-page drawing operations (points)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Literal

PAGE_WIDTH = 595.28  # A4 in points
PAGE_HEIGHT = 841.89
MARGIN_X = 34.02  # 12 mm
CONTENT_TOP = 70.0
CONTENT_BOTTOM = PAGE_HEIGHT - 62.0
BODY = 10.5  # 五号: the smallest size banks accept
LEADING = 1.5
CELL_LEADING = 1.3
CELL_PAD_X = 2.0
CELL_PAD_Y = 2.0
RULE = 0.6

Align = Literal["L", "C", "R"]
# Characters that may not start a line (避头) or end one (避尾) in Chinese typesetting.
_NO_START = frozenset("，。、；：？！）」』】〕》〉”’%‰℃·…—,.;:?!)]}")
_NO_END = frozenset("（「『【〔《〈“‘([{")


@dataclass(frozen=True)
class Text:
    x: float
    baseline: float
    text: str
    size: float
    bold: bool


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


Op = Text | Rect | Line


@dataclass(frozen=True)
class Box:
    """A reserved area: its page (0-based) and rectangle, top-left origin, in points."""

    page: int
    x: float
    y: float
    w: float
    h: float


class Measure:
    """Text widths from the font's advance widths (thousandths of an em)."""

    def __init__(self, widths: Mapping[int, float]) -> None:
        self._widths = widths

    def units(self, text: str) -> float:
        """The advance of `text` in thousandths of an em (unknown characters count as one em)."""
        return sum(map(self._widths.get, map(ord, text), repeat(1000.0)))

    def width(self, text: str, size: float) -> float:
        return self.units(text) * size / 1000.0

    def wrap(self, text: str, width: float, size: float, *, first_indent: float = 0.0
             ) -> list[str]:
        """Lines of `text` no wider than `width`; explicit newlines start new paragraphs,
        whose first line is `first_indent` narrower."""
        lines: list[str] = []
        limit = width * 1000.0 / size
        first = (width - first_indent) * 1000.0 / size
        for paragraph in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
            if self.units(paragraph) <= first:  # the common case: it fits
                lines.append(paragraph.rstrip())
            else:
                lines.extend(self._wrap_paragraph(paragraph, limit, first))
        return lines

    def _wrap_paragraph(self, text: str, limit: float, first: float) -> list[str]:
        get = self._widths.get
        lines: list[str] = []
        start, n = 0, len(text)
        while start < n:
            room = first if not lines else limit
            used, last_break, i = 0.0, -1, start
            while i < n:
                used += get(ord(text[i]), 1000.0)
                if used > room and i > start:
                    break
                if i + 1 < n and _may_break(text[i], text[i + 1]):
                    last_break = i + 1
                i += 1
            if i >= n:
                lines.append(text[start:].rstrip())
                break
            cut = last_break if last_break > start else i
            if cut == i and text[i] in _NO_START and i - start > 1:
                cut = i - 1  # carry one character down with the punctuation
            lines.append(text[start:cut].rstrip())
            start = cut
            while start < n and text[start] == " ":
                start += 1
        return lines or [""]


def _may_break(before: str, after: str) -> bool:
    if after in _NO_START or before in _NO_END:
        return False
    return before == " " or ord(before) >= 0x2E80 or ord(after) >= 0x2E80


@dataclass(frozen=True)
class Column:
    header: str
    weight: float = 1.0
    lines: int = 0
    """At most this many lines per value when the table can be made to fit: 1 keeps amounts
    and dates whole, 2 lets an account number break once; 0 wraps freely."""
    align: Align = "L"


@dataclass
class _Row:
    cells: list[list[str]]
    height: float


@dataclass
class TableLayout:
    widths: list[float]
    aligns: list[Align]
    header: _Row
    rows: list[_Row]

    @property
    def lead_height(self) -> float:
        """The header and the first row, which must not be separated from what precedes."""
        return self.header.height + (self.rows[0].height if self.rows else 0.0)


def line_height(size: float) -> float:
    return size * LEADING


def cell_line_height(size: float) -> float:
    return size * CELL_LEADING


@dataclass
class Flow:
    """Lays content out top to bottom, opening pages as needed; pages hold drawing ops."""

    measure: Measure
    pages: list[list[Op]] = field(default_factory=lambda: [[]])
    y: float = CONTENT_TOP
    left: float = MARGIN_X
    right: float = PAGE_WIDTH - MARGIN_X
    bottom: float = CONTENT_BOTTOM
    """Where content ends on a page (lower on a portrait page than on a landscape one)."""

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def page(self) -> int:
        return len(self.pages) - 1

    def new_page(self) -> None:
        self.pages.append([])
        self.y = CONTENT_TOP

    def keep(self, height: float) -> None:
        """Starts a new page unless `height` fits below (or could not fit on any page)."""
        if self.y + height > self.bottom and height <= self.bottom - CONTENT_TOP:
            if self.y > CONTENT_TOP:
                self.new_page()

    def together(self, draw: Callable[[Flow], object]) -> None:
        """Runs `draw` so that what it lays out stays on one page, if it fits on one: it is laid
        out once on a scratch flow to learn its height (so `draw` must be repeatable)."""
        scratch = Flow(self.measure, left=self.left, right=self.right, bottom=self.bottom)
        draw(scratch)
        if len(scratch.pages) == 1:
            self.keep(scratch.y - CONTENT_TOP)
        draw(self)

    def space(self, height: float) -> None:
        self.y = min(self.y + height, self.bottom)

    def _emit(self, op: Op) -> None:
        self.pages[-1].append(op)

    def _paragraph_lines(self, text: str, size: float, indent: float, first_indent: float
                         ) -> list[tuple[str, bool]]:
        lines: list[tuple[str, bool]] = []
        for part in text.replace("\r\n", "\n").split("\n"):
            wrapped = self.measure.wrap(part, self.width - indent, size, first_indent=first_indent)
            lines.extend((line, number == 0) for number, line in enumerate(wrapped))
        return lines

    def paragraph_height(self, text: str, *, size: float = BODY, indent: float = 0.0,
                         first_indent: float = 0.0) -> float:
        lines = self._paragraph_lines(text, size, indent, first_indent)
        return len(lines) * line_height(size)

    def paragraph(self, text: str, *, size: float = BODY, bold: bool = False,
                  indent: float = 0.0, first_indent: float = 0.0, align: Align = "L") -> None:
        """Wrapped text; `first_indent` is added to each paragraph's first line (首行缩进)."""
        lh = line_height(size)
        lines = self._paragraph_lines(text, size, indent, first_indent)
        for line, starts in lines:
            if self.y + lh > self.bottom:
                self.new_page()
            x = self.left + indent + (first_indent if starts else 0.0)
            if align != "L":
                free = self.right - x - self.measure.width(line, size)
                x += free if align == "R" else free / 2
            if line:
                self._emit(Text(x, _baseline(self.y, lh, size), line, size, bold))
            self.y += lh

    def columns(self, texts: Sequence[str], *, size: float = BODY) -> None:
        """One line of label–value pairs spread over equal columns (contacts, signatures)."""
        lh = line_height(size)
        if self.y + lh > self.bottom:
            self.new_page()
        step = self.width / max(len(texts), 1)
        for i, text in enumerate(texts):
            if text:
                self._emit(Text(self.left + i * step, _baseline(self.y, lh, size), text, size,
                                False))
        self.y += lh

    def reserve(self, w: float, h: float, *, label: str, align: Align = "R") -> Box:
        """A framed, labelled empty box (a seal or signature area) kept on one page."""
        lh = line_height(BODY)
        self.keep(h + lh)
        x = self.right - w if align == "R" else self.left
        self._emit(Text(x, _baseline(self.y, lh, BODY), label, BODY, False))
        self.y += lh
        box = Box(self.page, x, self.y, w, h)
        self._emit(Rect(x, self.y, w, h))
        self.y += h
        return box

    def slash(self, page: int, top: float, width: float) -> None:
        """A diagonal stroke over what was drawn since (`page`, `top`): 斜线划掉, the mark of an
        item that is not being confirmed (drawn only when it stayed on one page)."""
        if page == self.page and self.y > top:
            self._emit(Line(self.left, top, self.left + width, self.y))

    # ------------------------------------------------------------------ tables

    def kept_table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
                   *, size: float = BODY) -> None:
        """Lays out and draws a table whose header row stays on a page with its first row."""
        layout = self.layout_table(columns, rows, size=size)
        self.keep(layout.lead_height)
        self.table(layout, size=size)

    def layout_table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
                     *, size: float = BODY) -> TableLayout:
        widths = _column_widths(self.measure, columns, rows, self.width, size)
        header = self._layout_row([c.header for c in columns], widths, (0,) * len(columns), size)
        limits = [c.lines for c in columns]
        body = [self._layout_row(row, widths, limits, size) for row in rows]
        return TableLayout(widths, [c.align for c in columns], header, body)

    def _layout_row(self, cells: Sequence[str], widths: Sequence[float],
                    limits: Sequence[int], size: float) -> _Row:
        wrapped: list[list[str]] = []
        for text, w, limit in zip(cells, widths, limits, strict=True):
            lines = self.measure.wrap(text, w - 2 * CELL_PAD_X, size)
            if limit > 1 and len(lines) > 1 and "\n" not in text:
                # An account number broken once reads better in two equal halves.
                even = self.measure.width(text, size) / len(lines) + 0.6 * size
                lines = self.measure.wrap(text, min(even, w - 2 * CELL_PAD_X), size)
            wrapped.append(lines)
        height = max(len(c) for c in wrapped) * cell_line_height(size) + 2 * CELL_PAD_Y
        return _Row(wrapped, height)

    def table(self, layout: TableLayout, *, size: float = BODY) -> None:
        """Draws the table; a page break repeats the header row, a tall row is split."""
        self._draw_row(layout, layout.header, 0, None, size, header=True)
        for row in layout.rows:
            if self.y + row.height <= self.bottom:
                self._draw_row(layout, row, 0, None, size)
                continue
            if layout.header.height + row.height <= self.bottom - CONTENT_TOP:
                self.new_page()
                self._draw_row(layout, layout.header, 0, None, size, header=True)
                self._draw_row(layout, row, 0, None, size)
                continue
            self._split_row(layout, row, size)

    def _split_row(self, layout: TableLayout, row: _Row, size: float) -> None:
        lh = cell_line_height(size)
        total = max(len(c) for c in row.cells)
        first = 0
        while first < total:
            room = int((self.bottom - self.y - 2 * CELL_PAD_Y) // lh)
            if room < 1 and self.y > CONTENT_TOP:
                self.new_page()
                self._draw_row(layout, layout.header, 0, None, size, header=True)
                room = int((self.bottom - self.y - 2 * CELL_PAD_Y) // lh)
            last = min(total, first + max(room, 1))  # at least one line: always progress
            self._draw_row(layout, row, first, last, size)
            first = last

    def _draw_row(self, layout: TableLayout, row: _Row, first: int, last: int | None,
                  size: float, *, header: bool = False) -> None:
        lh = cell_line_height(size)
        stop = last if last is not None else max(len(c) for c in row.cells)
        height = (stop - first) * lh + 2 * CELL_PAD_Y
        x = self.left
        self._emit(Rect(x, self.y, sum(layout.widths), height))
        for i, (lines, w) in enumerate(zip(row.cells, layout.widths, strict=True)):
            if i:
                self._emit(Line(x, self.y, x, self.y + height))
            align = "C" if header else layout.aligns[i]
            y = self.y + CELL_PAD_Y
            for line in lines[first:stop]:
                if line:
                    tx = x + CELL_PAD_X
                    if align != "L":
                        free = w - 2 * CELL_PAD_X - self.measure.width(line, size)
                        tx += free if align == "R" else free / 2
                    self._emit(Text(tx, _baseline(y, lh, size), line, size, False))
                y += lh
            x += w
        self.y += height


def _baseline(top: float, lh: float, size: float) -> float:
    # Centre the em box (ascender 0.88, descender 0.12) in the line.
    return top + lh / 2 + 0.38 * size


def _column_widths(measure: Measure, columns: Sequence[Column], rows: Sequence[Sequence[str]],
                   available: float, size: float) -> list[float]:
    """Column widths like a browser's auto table layout: columns with a line limit get what
    keeps their values within it, the rest share what is left by weight (at least two
    characters each, and room for the header to wrap into five lines)."""
    pad = 2 * CELL_PAD_X
    floor = 2 * size + pad
    minimum: list[float] = []
    preferred: list[float] = []
    for i, column in enumerate(columns):
        widest = max((measure.width(line, size) for row in rows for line in row[i].split("\n")),
                     default=0.0)
        header = measure.width(column.header, size)
        low = max(floor, min(header / 5, 4 * size) + pad)
        if column.lines:
            # (+ 0.1: a value exactly as wide as its cell must not wrap by rounding)
            low = max(low, widest / column.lines + (size if column.lines > 1 else 0.0) + pad
                      + 0.1)
        minimum.append(low)
        # A long free text would take all the spare width: it may ask for eight characters.
        wanted = widest if column.lines else min(widest, 8 * size)
        preferred.append(max(low, wanted + pad, min(header, 6 * size) + pad))
    if sum(minimum) > available:
        # Free text wraps into more lines first (its header into up to eight), so that amounts,
        # dates and account numbers stay whole; only then are all columns shrunk alike.
        slack = [max(0.0, low - max(floor, measure.width(c.header, size) / 8 + pad))
                 if not c.lines else 0.0 for low, c in zip(minimum, columns, strict=True)]
        if sum(slack) > 0:
            cut = min(1.0, (sum(minimum) - available) / sum(slack))
            minimum = [low - s * cut for low, s in zip(minimum, slack, strict=True)]
    if sum(minimum) > available:  # cannot keep every value whole: shrink all proportionally
        scale = available / sum(minimum)
        return [m * scale for m in minimum]
    free = available - sum(minimum)
    want = [(p - m) * c.weight for p, m, c in zip(preferred, minimum, columns, strict=True)]
    if sum(want) >= free:
        return [m + free * w / sum(want) for m, w in zip(minimum, want, strict=True)]
    free = available - sum(preferred)
    total = sum(c.weight for c in columns)
    return [p + free * c.weight / total for p, c in zip(preferred, columns, strict=True)]

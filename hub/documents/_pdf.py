"""fpdf2 glue: one parsed font shared by every document, and a cheap subset embedding."""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import PDFFontDescriptor, SubsetMap, TTFFont
from fpdf.output import CIDSystemInfo, OutputProducer, PDFFont, PDFFontStream
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFString

from hub.documents._font import FontProgram, GlyphUse, font_path, font_program

if TYPE_CHECKING:
    from fpdf.output import PDFExtGState, PDFType3Font, PDFXObject
    from fpdf.pattern import Pattern

FAMILY = "hubsans"
BOLD_STROKE = 0.35  # pt of outline added to the fill: a synthetic bold for titles


@dataclass(frozen=True)
class SharedFont:
    """fpdf2's parsed view of the packaged font (cmap, widths), built once per process."""

    prototype: TTFFont
    program: FontProgram

    @property
    def widths(self) -> Mapping[int, float]:
        """Advance widths in thousandths of an em, by code point."""
        return self.prototype.cw

    def can_draw(self, codepoint: int) -> bool:
        return codepoint in self.prototype.cmap


_lock = threading.Lock()
_shared: SharedFont | None = None


def shared_font() -> SharedFont:
    """Parses the packaged font on first use; later documents reuse the result."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                scratch = FPDF()
                scratch.add_font(FAMILY, "", font_path())
                prototype = scratch.fonts[FAMILY]
                assert isinstance(prototype, TTFFont)
                # Everything fpdf2 needs is parsed by now; the raw tables come from FontProgram.
                prototype.ttfont.close()
                _shared = SharedFont(prototype, font_program())
    return _shared


def _attach(pdf: FPDF, shared: SharedFont) -> None:
    """Gives `pdf` its own view of the shared font: shared metrics, its own glyph subset."""
    font = copy.copy(shared.prototype)
    font.i = len(pdf.fonts) + 1
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[FAMILY] = font


def new_document(*, created_at: datetime, title: str, subject: str) -> FPDF:
    """An empty A4 document in points, with the shared font selected at 10.5 pt (五号)."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creation_date(created_at)
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_lang("zh-CN")
    pdf.set_creator("confirmation-hub")
    pdf.set_producer("confirmation-hub (fpdf2)")
    _attach(pdf, shared_font())
    pdf.set_font(FAMILY, size=10.5)
    return pdf


def draw_text(pdf: FPDF, x: float, baseline: float, text: str, *, bold: bool) -> None:
    if bold:
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=BOLD_STROKE):
            pdf.text(x, baseline, text)
    else:
        pdf.text(x, baseline, text)


def finish(pdf: FPDF) -> bytes:
    """Serialises the document, embedding only the glyphs it used."""
    font = pdf.fonts[FAMILY]
    assert isinstance(font, TTFFont)
    try:
        if font.missing_glyphs:
            missing = ", ".join(f"U+{c:04X}" for c in font.missing_glyphs)
            raise RuntimeError(f"the letter layout used characters the font lacks: {missing}")
        return bytes(pdf.output(output_producer_class=_Producer))
    finally:
        # fpdf2 memoises glyph look-ups per subset in a class-wide cache; drop ours.
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()


class _Producer(OutputProducer):
    """fpdf2's output, except fonts: fpdf2 would re-subset the whole font with fontTools for
    every document; here the glyph records are copied straight into a small TrueType program."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, PDFXObject],
        gfxstate_objs_per_name: dict[str, PDFExtGState],
        pattern_objs_per_name: dict[str, Pattern],
    ) -> dict[int, PDFFont | PDFType3Font]:
        shared = shared_font()
        result: dict[int, PDFFont | PDFType3Font] = {}
        for font in self.fpdf.fonts.values():
            if not isinstance(font, TTFFont):
                raise TypeError(f"letters use only the packaged font, not {font!r}")
            result[font.i] = self._embed(font, shared)
        return result

    def _embed(self, font: TTFFont, shared: SharedFont) -> PDFFont:
        codes: list[tuple[int, int, int, int]] = []  # code, glyph id, unicode, width
        for glyph, code in font.subset.items():
            if glyph is None:
                continue
            unicode = glyph.unicode[0] if isinstance(glyph.unicode, tuple) else glyph.unicode
            if code == 0 or unicode == 0:
                continue  # .notdef: fpdf2 reserves code 0 for it
            codes.append((code, glyph.glyph_id, unicode, glyph.glyph_width))
        codes.sort()
        program = shared.program.subset(GlyphUse(c, g) for c, g, _, _ in codes)
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(program).digest()[:6])
        base_font = f"{tag}+{font.name}"

        type0 = PDFFont(subtype="Type0", base_font=base_font, encoding="Identity-H")
        self._add_pdf_obj(type0, "fonts")
        widths = {code: width for code, _, _, width in codes}
        # Codes without a glyph here (0 is .notdef) keep the width 0 they always had.
        default, w = cid_widths({code: widths.get(code, 0)
                                 for code in range(max(widths, default=0) + 1)})
        cid_font = PDFFont(subtype="CIDFontType2", base_font=base_font, d_w=default, w=w)
        self._add_pdf_obj(cid_font, "fonts")
        type0.descendant_fonts = PDFArray([cid_font])

        to_unicode = PDFContentStream(_to_unicode_cmap(
            [(code, unicode) for code, _, unicode, _ in codes]).encode("latin-1"), compress=True)
        self._add_pdf_obj(to_unicode, "fonts")
        type0.to_unicode = to_unicode

        system_info = CIDSystemInfo()
        system_info.ordering = PDFString("Identity", encrypt=True)
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        proto = font.desc
        descriptor = PDFFontDescriptor(
            ascent=proto.ascent, descent=proto.descent, cap_height=proto.cap_height,
            flags=proto.flags, font_b_box=proto.font_b_box, italic_angle=proto.italic_angle,
            stem_v=proto.stem_v, missing_width=proto.missing_width,
        )
        descriptor.font_name = Name(base_font)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        # Codes are glyph ids in the embedded program, so no CIDToGIDMap stream is needed.
        cid_font.c_i_d_to_g_i_d_map = Name("Identity")  # type: ignore[assignment]

        stream = _FastFontStream(contents=program)
        self._add_pdf_obj(stream, "fonts")
        descriptor.font_file2 = stream  # type: ignore[attr-defined]
        return type0


def cid_widths(widths: Mapping[int, int]) -> tuple[int, str]:
    """The /DW and /W of a CID font: the commonest width as the default (1000 for CJK text) and
    runs of the others as ``first last width``, so a letter's font dictionary stays small (every
    element of /W is an object a validator walks for each signature's change analysis)."""
    if not widths:
        return 0, "[]"
    counts: dict[int, int] = {}
    for width in widths.values():
        counts[width] = counts.get(width, 0) + 1
    default = max(counts, key=lambda width: (counts[width], -width))
    runs: list[list[int]] = []  # [first, last, width]
    for code in sorted(widths):
        width = widths[code]
        if width == default:
            continue
        if runs and runs[-1][1] == code - 1 and runs[-1][2] == width:
            runs[-1][1] = code
        else:
            runs.append([code, code, width])
    return default, "[" + " ".join(f"{a} {b} {w}" for a, b, w in runs) + "]"


class _FastFontStream(PDFFontStream):
    # Outlines barely compress: level 1 is twice as fast as the default and 5 % larger.
    _COMPRESSION_LEVEL = 1


def _to_unicode_cmap(pairs: list[tuple[int, int]]) -> str:
    """The ToUnicode CMap that makes the text extractable (search, copy, pdftotext)."""
    entries = [f"<{code:04X}> <{_utf16(unicode)}>\n" for code, unicode in pairs]
    blocks = "".join(
        f"{len(entries[i:i + 100])} beginbfchar\n{''.join(entries[i:i + 100])}endbfchar\n"
        for i in range(0, len(entries), 100)
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )


def _utf16(codepoint: int) -> str:
    if codepoint > 0xFFFF:
        high = 0xD800 | ((codepoint - 0x10000) >> 10)
        low = 0xDC00 | (codepoint & 0x3FF)
        return f"{high:04X}{low:04X}"
    return f"{codepoint:04X}"

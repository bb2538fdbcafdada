"""Builds the shipped CJK font: Noto Sans CJK SC, subset and converted to TrueType outlines."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

FAMILY = "Hub Sans SC"
POSTSCRIPT_NAME = "HubSansSC-Regular"
# Blocks kept besides every character GBK encodes (which already holds all of GB 2312).
BLOCKS: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x218F),  # letterlike symbols, number forms
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics
    (0x2500, 0x27BF),  # box drawing, shapes, misc symbols, dingbats (✓)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3400, 0x4DBF),  # CJK extension A (rare characters of GB 18030, e.g. in names)
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)


def gbk_characters() -> set[int]:
    """Every character the GBK code page encodes (two-byte area)."""
    chars: set[int] = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(ord(bytes((lead, trail)).decode("gbk")))
            except UnicodeDecodeError:
                continue
    return chars


def wanted_characters(extension_a: bool) -> set[int]:
    chars = gbk_characters()
    for first, last in BLOCKS:
        if not extension_a and first == 0x3400:
            continue
        chars.update(range(first, last + 1))
    return chars


def _to_quadratic(font: TTFont, max_err: float) -> None:
    """Replaces the CFF outlines with TrueType (quadratic) ones, as fontTools' otf2ttf does."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        glyph.recalcBounds(glyf)
        advance = hmtx[name][0]
        hmtx[name] = (advance, getattr(glyph, "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
                  "maxComponentDepth"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont) -> None:
    """A modified font must not pass for the original (OFL 3, and 'Noto' is a trademark)."""
    name = font["name"]
    source = name.getDebugName(5) or ""
    for record in list(name.names):
        if record.nameID in (1, 2, 3, 4, 6, 16, 17, 18, 21, 22):
            name.removeNames(nameID=record.nameID)
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName("Regular", 2, 3, 1, 0x409)
    name.setName(f"{POSTSCRIPT_NAME};derived from Noto Sans CJK SC {source}", 3, 3, 1, 0x409)
    name.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    name.setName(POSTSCRIPT_NAME, 6, 3, 1, 0x409)
    name.setName(
        "Subset of Noto Sans CJK SC (Adobe, Google) to GBK, CJK Unified Ideographs and "
        "extension A, converted to TrueType outlines for the confirmation hub.",
        10, 3, 1, 0x409,
    )


def build(source: Path, font_number: int, target: Path, *, extension_a: bool,
          max_err: float = 1.0) -> None:
    font = TTFont(source, fontNumber=font_number, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    have = set(font.getBestCmap())
    subsetter.populate(unicodes=sorted(wanted_characters(extension_a) & have))
    subsetter.subset(font)
    _to_quadratic(font, max_err)
    _rename(font)
    font.save(target)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="NotoSansCJK-Regular.ttc (fonts-noto-cjk)")
    parser.add_argument("target", type=Path)
    parser.add_argument("--font-number", type=int, default=2, help="index of 'SC' in the .ttc")
    parser.add_argument("--no-extension-a", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    build(args.source, args.font_number, args.target, extension_a=not args.no_extension_a)


if __name__ == "__main__":
    main()

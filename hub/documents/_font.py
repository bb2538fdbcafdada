"""The packaged CJK font: loaded once per process, measured, and cut to a tiny subset per PDF."""

from __future__ import annotations

import struct
import sys
import threading
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

FONT_FILE = "HubSansSC-Regular.ttf"
# The tables a CIDFontType2 program needs (ISO 32000-1 9.9), plus OS/2, name and post so that
# strict viewers and preflight tools find a complete font. Without a cmap: codes map to glyphs
# through an identity CIDToGIDMap.
_COPIED = (b"OS/2", b"name", b"post")
_MAGIC = 0xB1B0AFBA


def font_path() -> Path:
    """Where the packaged font lives (inside this package, so a fresh machine needs no fonts)."""
    return Path(str(resources.files(__package__ or "hub.documents") / "fonts" / FONT_FILE))


def _words(data: bytes) -> array[int]:
    padded = data + b"\0" * (-len(data) % 4)
    words = array("I", padded)
    if sys.byteorder == "little":
        words.byteswap()
    return words


def _checksum(data: bytes) -> int:
    return sum(_words(data)) & 0xFFFFFFFF


@dataclass(frozen=True)
class GlyphUse:
    """One glyph a document uses: the code it is shown under, and the original glyph id."""

    code: int
    glyph_id: int


class FontProgram:
    """The raw TrueType tables of the packaged font, parsed once and shared by every render."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        version, count = struct.unpack_from(">IH", data, 0)
        if version != 0x00010000:
            raise ValueError("the packaged font must have TrueType (glyf) outlines")
        self._tables: dict[bytes, tuple[int, int]] = {}
        for i in range(count):
            tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self._tables[tag] = (offset, length)
        head = self.table(b"head")
        self.units_per_em: int = struct.unpack_from(">H", head, 18)[0]
        long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        self.num_glyphs: int = struct.unpack_from(">H", self.table(b"maxp"), 4)[0]
        self._long_loca = long_loca
        self.num_hmetrics: int = struct.unpack_from(">H", self.table(b"hhea"), 34)[0]
        self._records: dict[int, tuple[bytes, int]] = {}
        self._table_sums: dict[bytes, tuple[bytes, int]] = {}

    def table(self, tag: bytes) -> bytes:
        offset, length = self._tables[tag]
        return self._data[offset:offset + length]

    @cached_property
    def _loca(self) -> array[int]:
        raw = self.table(b"loca")
        offsets = array("I" if self._long_loca else "H", raw)
        if sys.byteorder == "little":
            offsets.byteswap()
        if not self._long_loca:
            offsets = array("I", (2 * o for o in offsets))
        return offsets

    @cached_property
    def _glyf(self) -> bytes:
        return self.table(b"glyf")

    @cached_property
    def _hmtx(self) -> array[int]:
        """Pairs (advance, lsb) flattened, one pair per glyph (the short tail expanded)."""
        raw = self.table(b"hmtx")
        n = self.num_hmetrics
        metrics = array("h", raw[:4 * n])
        if sys.byteorder == "little":
            metrics.byteswap()
        lsbs = array("h", raw[4 * n:4 * n + 2 * (self.num_glyphs - n)])
        if sys.byteorder == "little":
            lsbs.byteswap()
        last_advance = metrics[-2]
        for lsb in lsbs:
            metrics.append(last_advance)
            metrics.append(lsb)
        return metrics

    def _record(self, gid: int) -> tuple[bytes, int]:
        """Glyph `gid`'s record padded to four bytes, and its checksum (memoised: the glyf
        table's checksum is then a sum of known numbers)."""
        found = self._records.get(gid)
        if found is None:
            start, end = self._loca[gid], self._loca[gid + 1]
            record = self._glyf[start:end]
            if record and struct.unpack_from(">h", record)[0] < 0:
                raise ValueError(f"glyph {gid} is composite; the font must have none")
            record += b"\0" * (-len(record) % 4)
            found = self._records[gid] = (record, _checksum(record))
        return found

    def subset(self, uses: Iterable[GlyphUse]) -> bytes:
        """A TrueType program whose glyph `code` is the original glyph `glyph_id`.

        Codes are the small numbers fpdf2 assigns to the characters a document shows, so the
        result holds only those glyphs, in the order of their codes; unused codes are empty.
        No outline is re-encoded: glyph records are copied as they are (the font has no
        composite glyphs), which is what makes this cheap enough to run for every letter.
        """
        by_code = {u.code: u.glyph_id for u in uses}
        by_code.setdefault(0, 0)  # .notdef
        count = max(by_code) + 1
        hmtx = self._hmtx
        chunks: list[bytes] = []
        offsets = array("I", [0])
        metrics = array("h")
        position = glyf_sum = 0
        for code in range(count):
            gid = by_code.get(code)
            if gid is None:
                offsets.append(position)
                metrics.extend((0, 0))
                continue
            record, record_sum = self._record(gid)
            chunks.append(record)
            glyf_sum += record_sum
            position += len(record)
            offsets.append(position)
            metrics.append(hmtx[2 * gid])
            metrics.append(hmtx[2 * gid + 1])
        if sys.byteorder == "little":
            offsets.byteswap()
            metrics.byteswap()
        head = bytearray(self.table(b"head"))
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set last
        struct.pack_into(">h", head, 50, 1)  # long loca offsets
        hhea = bytearray(self.table(b"hhea"))
        struct.pack_into(">H", hhea, 34, count)
        maxp = bytearray(self.table(b"maxp"))
        struct.pack_into(">H", maxp, 4, count)
        tables: dict[bytes, tuple[bytes, int]] = {
            b"glyf": (b"".join(chunks), glyf_sum & 0xFFFFFFFF),
        }
        for tag, data in ((b"head", bytes(head)), (b"hhea", bytes(hhea)),
                          (b"hmtx", metrics.tobytes()), (b"loca", offsets.tobytes()),
                          (b"maxp", bytes(maxp))):
            tables[tag] = (data, _checksum(data))
        for tag in _COPIED:
            if tag in self._tables:
                tables[tag] = self._copied(tag)
        return _assemble(tables)

    def _copied(self, tag: bytes) -> tuple[bytes, int]:
        found = self._table_sums.get(tag)
        if found is None:
            data = self.table(tag)
            found = self._table_sums[tag] = (data, _checksum(data))
        return found


def _assemble(tables: Mapping[bytes, tuple[bytes, int]]) -> bytes:
    """Writes an sfnt file: offset table, table directory, 4-byte aligned tables."""
    tags = sorted(tables)
    count = len(tags)
    entry_selector = count.bit_length() - 1
    search_range = 16 << entry_selector
    header = bytearray(struct.pack(">IHHHH", 0x00010000, count, search_range, entry_selector,
                                   count * 16 - search_range))
    offset = 12 + 16 * count
    parts: list[bytes] = []
    head_at = 0
    total = 0
    for tag in tags:
        data, checksum = tables[tag]
        if tag == b"head":
            head_at = offset
        header += struct.pack(">4sIII", tag, checksum, offset, len(data))
        padded = data + b"\0" * (-len(data) % 4)
        parts.append(padded)
        total += checksum
        offset += len(padded)
    # The whole file's checksum is the directory's plus every (padded) table's.
    font = header + b"".join(parts)
    adjustment = (_MAGIC - (_checksum(bytes(header)) + total)) & 0xFFFFFFFF
    struct.pack_into(">I", font, head_at + 8, adjustment)
    return bytes(font)


_lock = threading.Lock()
_program: FontProgram | None = None


def font_program() -> FontProgram:
    """The packaged font's tables, read on first use and kept for the life of the process."""
    global _program
    if _program is None:
        with _lock:
            if _program is None:
                _program = FontProgram(font_path().read_bytes())
    return _program

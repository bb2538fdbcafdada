"""Writing a reproducible ZIP and reading one defensively (bounded, salvaging a truncated one)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_ENTRIES = 1_000
"""More entries than this is not an evidence bundle (a zip bomb, or the wrong file)."""
MAX_TOTAL_SIZE = 256 * 1024 * 1024
"""Bound on the uncompressed size of all entries together."""

_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed, so the same files give the same bytes
_LOCAL = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_ENCRYPTED, _DATA_DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                RuntimeError, ValueError)


def write_zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP of ``files`` in the order given: fixed time-stamps and modes, no extra fields."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system builds it
            info.external_attr = 0o100644 << 16
            # Level 6: as small as 9 for these files (PDFs are compressed inside), a third
            # less CPU.
            archive.writestr(info, content, compresslevel=6)
    return buffer.getvalue()


@dataclass
class Archive:
    """What could be read from a ZIP: good entries, damaged ones, and what is wrong with it."""

    files: dict[str, bytes] = field(default_factory=dict)
    damaged: dict[str, str] = field(default_factory=dict)
    """Entries that are there but could not be read, with the reason."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(file at fault, message) for the archive itself; ``bundle`` names the whole ZIP."""
    checkable: bool = True
    """False when the entries were not read at all (over the limits, not a ZIP)."""


def read_zip(data: bytes, bundle: str) -> Archive:
    """Read every entry of ``data`` within the limits; never raises for a bad ZIP."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _READ_ERRORS:
        return _salvage(data, bundle)
    out = Archive()
    infos = archive.infolist()
    if not _within_limits(out, bundle, len(infos), sum(i.file_size for i in infos)):
        return out
    for info in infos:
        name = info.filename
        if name in out.files or name in out.damaged:
            out.problems.append((name, "在压缩包中出现两次 / appears twice in the ZIP"))
            continue
        if info.flag_bits & _ENCRYPTED:
            out.damaged[name] = "已加密 / encrypted"
            continue
        try:
            with archive.open(info) as entry:
                out.files[name] = entry.read(info.file_size + 1)  # to the end: checks the CRC
        except _READ_ERRORS as e:
            out.damaged[name] = f"无法读取 / cannot be read ({e})"
    return out


def _within_limits(out: Archive, bundle: str, entries: int, total: int) -> bool:
    """Whether the entry count and total size are within bounds; if not, say so in ``out``."""
    if entries > MAX_ENTRIES:
        message = (f"含 {entries} 个文件，超过上限 {MAX_ENTRIES} / holds {entries} entries, "
                   f"over the bound of {MAX_ENTRIES}")
    elif total > MAX_TOTAL_SIZE:
        message = (f"解压后 {total} 字节，超过上限 {MAX_TOTAL_SIZE} / unpacks to {total} bytes, "
                   f"over the bound of {MAX_TOTAL_SIZE} (zip bomb?)")
    else:
        return True
    out.problems.append((bundle, message))
    out.checkable = False
    return False


def _salvage(data: bytes, bundle: str) -> Archive:
    """Recover the complete entries of a ZIP whose central directory is gone (truncated)."""
    out = Archive()
    offset, total = 0, 0
    while data[offset:offset + 4] == _LOCAL:
        header = data[offset:offset + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size:
            break
        _, _, flags, method, _, _, crc, csize, usize, nlen, xlen = _LOCAL_HEADER.unpack(header)
        raw_name = data[offset + _LOCAL_HEADER.size:offset + _LOCAL_HEADER.size + nlen]
        if len(raw_name) < nlen:
            break
        name = raw_name.decode("utf-8" if flags & _UTF8 else "cp437", "replace")
        start = offset + _LOCAL_HEADER.size + nlen + xlen
        total += usize
        if not _within_limits(out, bundle, len(out.files) + 1, total):
            return out
        if flags & (_ENCRYPTED | _DATA_DESCRIPTOR):
            out.damaged[name] = "无法恢复 / cannot be recovered from a damaged ZIP"
            break
        if start + csize > len(data):
            out.damaged[name] = "被截断 / cut off: the ZIP is truncated"
            break
        content = _inflate(data[start:start + csize], method, usize)
        if content is None or zlib.crc32(content) != crc:
            out.damaged[name] = "无法读取 / cannot be read (bad data or CRC)"
        elif name in out.files:
            out.problems.append((name, "在压缩包中出现两次 / appears twice in the ZIP"))
        else:
            out.files[name] = content
        offset = start + csize
    if not out.files and not out.damaged:
        out.problems.append((bundle, "不是 ZIP 文件 / not a ZIP file"))
        out.checkable = False
    else:
        out.problems.append((bundle, "压缩包不完整（被截断或损坏，缺少目录）/ the ZIP is "
                                     "truncated or damaged (its central directory is missing)"))
    return out


def _inflate(raw: bytes, method: int, size: int) -> bytes | None:
    """The ``size`` bytes an entry holds, or None if they cannot be had."""
    if method == zipfile.ZIP_STORED:
        return raw if len(raw) == size else None
    if method != zipfile.ZIP_DEFLATED:
        return None
    inflater = zlib.decompressobj(-15)
    try:
        content = inflater.decompress(raw, size + 1)  # bounded: a lying size cannot blow up
    except zlib.error:
        return None
    return content if len(content) == size else None

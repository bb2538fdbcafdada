"""The evidence bundle's manifest seal page (证据包清单签章页): every file with its SHA-256."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hub.documents import _common as c
from hub.documents._fields import Source, node
from hub.documents._layout import Column, Flow, Measure
from hub.documents._pdf import shared_font
from hub.documents._render import draw
from hub.documents._workpaper_tables import moment

TITLE = "证据包清单签章页"
SUBTITLE = "Evidence bundle manifest seal"
COLUMNS = (Column("序号", 0.3, lines=1, align="C"), Column("文件 File", 1.4),
           Column("字节 Bytes", 0.5, lines=1, align="R"), Column("SHA-256", 2.2, lines=2))
EXPLAIN = ("本页以电子函证中心的证书加盖电子印章，文档关键字（Keywords）中载有同一证据包内"
           " manifest.json 的 SHA-256。印章有效且该值与 manifest.json 相符，即表明清单及其所列"
           "每个文件自封装后未被修改、增加或删除。This page is sealed by the hub; its Keywords "
           "carry the SHA-256 of the bundle's manifest.json, which lists every file with its "
           "SHA-256.")


def render_manifest_seal(manifest: Mapping[str, Any], *, keywords: str,
                         created_at: datetime | None = None) -> bytes:
    """The seal page of a bundle's manifest (the parsed manifest.json), with `keywords` (which
    carry the manifest's SHA-256) in the document information that the hub's seal covers.
    Pure and CPU-bound."""
    created = created_at or datetime.now(UTC)
    src = Source(manifest, shared_font().can_draw, "")
    metadata = node(manifest.get("metadata"))
    number = src.text(metadata, "letter_number", "/metadata", "")
    letter = c.Letter(title=TITLE, number=number, as_of="")
    flow = Flow(Measure(shared_font().widths))
    flow.paragraph(TITLE, size=c.TITLE, bold=True, align="C")
    flow.paragraph(SUBTITLE, align="C")
    flow.space(6)
    flow.paragraph(f"函证编号 Letter number：{number or '—'}")
    flow.paragraph(f"询证函 ID：{src.text(metadata, 'confirmation_id', '/metadata')}")
    flow.paragraph(f"封装时间 Packed at：{moment(created.isoformat())}")
    flow.space(6)
    files = [node(f) for f in manifest.get("files", [])]
    cells = [[str(i), src.text(f, "name", f"/files/{i - 1}"),
              src.text(f, "size", f"/files/{i - 1}"), src.text(f, "sha256", f"/files/{i - 1}")]
             for i, f in enumerate(files, start=1)]
    flow.kept_table(COLUMNS, cells)
    flow.space(6)
    flow.paragraph(EXPLAIN, first_indent=c.INDENT)
    flow.space(6)
    flow.together(lambda f: c.seal_area(f, letter, "hub", ["电子函证中心"],
                                        "电子函证中心电子印章（Hub seal）"))
    return draw(letter, flow.pages, created_at=created, keywords=keywords).pdf

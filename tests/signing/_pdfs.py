"""Small PDFs for the signing tests and the ways the tests tamper with signed ones."""

from __future__ import annotations

from io import BytesIO

from fpdf import FPDF
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

LETTER_NUMBER = "HZ-2024-000123"


def make_letter(amount: str = "1,234,567.89") -> bytes:
    """A one-page confirmation letter, uncompressed so its text can be found in the bytes."""
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=f"Bank confirmation {LETTER_NUMBER}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text=f"Balance on 2024-12-31: CNY {amount}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def change_one_byte(pdf: bytes, old: bytes, new: bytes) -> bytes:
    """Replace the first ``old`` by ``new`` (same length): a one-byte edit of signed content."""
    assert len(old) == len(new) and old in pdf
    return pdf.replace(old, new, 1)


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(BytesIO(pdf))


def _out(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def add_page_text(pdf: bytes, text: str) -> bytes:
    """Append an incremental update that draws ``text`` on page 1 (new page content)."""
    writer = _writer(pdf)
    font = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name("/Helvetica"),
            }
        )
    )
    stream = generic.StreamObject(
        stream_data=f"BT /FTamper 18 Tf 72 600 Td ({text}) Tj ET".encode()
    )
    resources = generic.DictionaryObject(
        {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/FTamper"): font})}
    )
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)
    return _out(writer)


def add_free_text(pdf: bytes, text: str) -> bytes:
    """Append an incremental update with a free-text annotation on page 1."""
    writer = _writer(pdf)
    page_ref, _ = writer.find_page_for_modification(0)
    annot = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/FreeText"),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (72, 500, 400, 530)]
                ),
                pdf_name("/Contents"): pdf_string(text),
                pdf_name("/DA"): pdf_string("/Helv 14 Tf 0 g"),
                pdf_name("/P"): page_ref,
            }
        )
    )
    writer.register_annotation(page_ref, annot)
    return _out(writer)

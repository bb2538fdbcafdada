"""The document information of a PDF (Title, Subject, Keywords…) as its newest revision has it."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import _speedups

__all__ = ["document_info"]


def document_info(pdf_bytes: bytes) -> dict[str, str]:
    """The Info dictionary's text entries without their slash ({} if unreadable or absent).

    Only meaningful together with a validation report: a signature that covers the whole file
    covers this dictionary too.
    """
    try:
        _speedups.install()
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        info = reader.trailer_view.get("/Info")
        if info is None:
            return {}
        info = info.get_object()
        return {str(k).lstrip("/"): str(v) for k, v in info.items() if isinstance(v, str)}
    except (PdfError, ValueError, KeyError, TypeError):
        return {}

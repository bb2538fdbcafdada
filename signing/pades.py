"""PAdES signing (B-B, B-T, B-LT, B-LTA) with pyHanko's async API, as incremental updates."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from io import BytesIO

from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from signing import _speedups
from signing.errors import SigningError, TimestampError

__all__ = ["Level", "async_sign_pdf", "revinfo_context"]

# Room for the CMS object besides its certificates: signed attributes, the signature itself and
# (with a time-stamp) a token with its TSA chain. Generous on purpose: a tight guess costs a retry.
_BASE_RESERVE = 3072
_TIMESTAMP_RESERVE = 12288


class Level(enum.StrEnum):
    """PAdES baseline level (ETSI EN 319 142-1)."""

    B_B = "B-B"
    """Basic signature: signer certificate and signed attributes only."""
    B_T = "B-T"
    """Plus a signature time-stamp from a TSA: proves when it was signed."""
    B_LT = "B-LT"
    """Plus the validation data (certificates, CRLs) in the document security store."""
    B_LTA = "B-LTA"
    """Plus a document time-stamp over it all: still verifiable after the certificates expire."""

    @property
    def rank(self) -> int:
        return list(Level).index(self)


def revinfo_context(
    trust_roots: Iterable[x509.Certificate],
    *,
    crls: Iterable[bytes] = (),
    other_certs: Iterable[x509.Certificate] = (),
    allow_fetching: bool = True,
    at: datetime | None = None,
) -> ValidationContext:
    """Where B-LT/B-LTA signing finds the validation data to embed.

    Revocation data is required for every certificate below the root: given as ``crls`` (DER)
    or fetched from the CRL distribution points when ``allow_fetching``.
    """
    return ValidationContext(
        trust_roots=list(trust_roots),
        other_certs=list(other_certs),
        crls=list(crls),
        allow_fetching=allow_fetching,
        revocation_mode="require",
        moment=at,
    )


def _reserve(signer: Signer, timestamped: bool) -> int:
    certs = sum(len(c.dump()) for c in signer.cert_registry)
    # Hex-encoded in the file: two characters per byte.
    return 2 * (_BASE_RESERVE + certs + (_TIMESTAMP_RESERVE if timestamped else 0))


def _self_signed(signer: Signer) -> list[x509.Certificate]:
    return [c for c in signer.cert_registry if c.self_signed != "no"]


async def async_sign_pdf(
    pdf_bytes: bytes,
    *,
    signer: Signer,
    level: Level = Level.B_T,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    field_name: str = "Signature1",
    reason: str | None = None,
    location: str | None = None,
    bytes_reserved: int | None = None,
) -> bytes:
    """Sign ``pdf_bytes`` at ``level`` in a new invisible field ``field_name``; returns the new PDF.

    The signature is appended as an incremental update, so earlier signatures stay valid.
    B-T and above need ``timestamper``. B-LT and above embed validation data gathered through
    ``validation_context`` (see :func:`revinfo_context`; the caller closes it with ``aclose``);
    without one, the signer's own chain roots are used and CRLs are fetched. The CPU-bound
    work runs on the calling thread: call it through :mod:`signing.pool` to keep an event loop
    responsive.
    """
    if level.rank >= Level.B_T.rank and timestamper is None:
        raise SigningError(f"PAdES {level} needs a time-stamper")
    long_term = level.rank >= Level.B_LT.rank
    own_context = long_term and validation_context is None
    if own_context:
        validation_context = revinfo_context(_self_signed(signer))
    meta = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        use_pades_lta=level is Level.B_LTA,
        validation_context=validation_context if long_term else None,
    )
    pdf_signer = PdfSigner(
        meta, signer, timestamper=timestamper if level is not Level.B_B else None
    )
    reserve = bytes_reserved or _reserve(signer, level is not Level.B_B)
    try:
        _speedups.install()
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
        out = await pdf_signer.async_sign_pdf(writer, bytes_reserved=reserve, output=BytesIO())
    except TimestampRequestError as e:
        raise TimestampError(f"the time-stamping authority failed: {e}") from e
    except PyHankoSigningError as e:
        raise SigningError(f"signing failed: {e}") from e
    except PdfError as e:
        raise SigningError(f"cannot sign this PDF: {e}") from e
    finally:
        if own_context and validation_context is not None:
            await validation_context.aclose()
    data: bytes = out.getvalue()
    return data

"""What a validation run checks against (roots, time, revocation rules) and the document's DSS."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from signing import _speedups
from signing.report import Modification, RevocationCheck

__all__ = ["Document", "Settings", "open_document"]

_RULES = {
    RevocationCheck.REQUIRE: RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    RevocationCheck.IF_DECLARED: RevocationCheckingRule.CHECK_IF_DECLARED,
    RevocationCheck.SOFT: RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
    RevocationCheck.NONE: RevocationCheckingRule.NO_CHECK,
}
_VC_MODES = {
    RevocationCheck.REQUIRE: "require",
    RevocationCheck.IF_DECLARED: "hard-fail",
    RevocationCheck.SOFT: "soft-fail",
    RevocationCheck.NONE: "soft-fail",
}


@dataclass(frozen=True)
class Document:
    """A parsed PDF and the validation material it carries."""

    reader: PdfFileReader
    revisions: int
    dss_certs: tuple[x509.Certificate, ...]
    dss_crls: tuple[asn1_crl.CertificateList, ...]
    timestamp_revisions: tuple[int, ...]
    """Revisions (0-based) closed by a document time-stamp."""


def open_document(pdf_bytes: bytes) -> Document:
    """Parse ``pdf_bytes`` strictly; raises ``PdfError``/``ValueError`` on a malformed file."""
    _speedups.install()
    reader = PdfFileReader(BytesIO(pdf_bytes))
    certs: tuple[x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs = tuple(dss.load_certs())
        crls = tuple(asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls)
    except NoDSSFoundError:
        pass
    stamps = tuple(s.signed_revision for s in reader.embedded_timestamp_signatures)
    return Document(reader, reader.xrefs.total_revisions, certs, crls, stamps)


@dataclass(frozen=True)
class Settings:
    """The caller's choices for one validation run."""

    trust_roots: tuple[x509.Certificate, ...]
    timing: ValidationTimingInfo
    allow_fetching: bool
    revocation: RevocationCheck
    allowed: Modification
    other_certs: tuple[x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...]

    def spec(self, document: Document) -> PdfSignatureValidationSpec:
        """pyHanko's AdES validation settings, with the document's DSS as local knowledge."""
        rule = _RULES[self.revocation]
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=list(self.trust_roots)),
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule)),
        )
        gathering = RevocationInfoGatheringSpec(
            online_fetching_rule=(
                RevinfoOnlineFetchingRule.ALWAYS_FETCH
                if self.allow_fetching
                else RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            # Certificate URLs (AIA) come from the document under scrutiny: never follow them.
            certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
        )
        knowledge = LocalKnowledge(
            known_crls=[CRLContainer(c) for c in (*self.crls, *document.dss_crls)],
            known_certs=[*self.other_certs, *document.dss_certs],
        )
        return PdfSignatureValidationSpec(
            SignatureValidationSpec(policy, gathering, local_knowledge=knowledge),
            diff_policy=DEFAULT_DIFF_POLICY,
        )

    def context(
        self, document: Document, extra: Iterable[x509.Certificate] = ()
    ) -> ValidationContext:
        """A certificate validation context at the validation time (the caller closes it)."""
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            other_certs=[*self.other_certs, *document.dss_certs, *extra],
            crls=[*self.crls, *document.dss_crls],
            moment=self.timing.validation_time,
            allow_fetching=self.allow_fetching,
            revocation_mode=_VC_MODES[self.revocation],
        )

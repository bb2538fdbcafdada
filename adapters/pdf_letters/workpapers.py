"""Makes the workpaper (hub.ports.WorkpaperMaker): validate, render, seal, pack the evidence."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from asn1crypto import pem

from adapters.pdf_letters.maker import DevKeyring
from adapters.pdf_letters.sealing import hub_seal_job, rendered
from hub.ports import WorkpaperInput
from signing import (
    Level,
    NoReportStore,
    ReportStore,
    SignatureKind,
    ValidationReport,
    render_text,
    sign_off_loop,
    validate_shared,
)

MANIFEST_FIELD = "HubManifestSeal"

Render = Callable[[dict[str, Any]], bytes]
"""(workpaper facts) -> the unsealed workpaper PDF; CPU-bound."""


def _signatures(document: str, report: ValidationReport) -> list[dict[str, Any]]:
    return [{
        "document": document, "field_name": s.field_name, "signer": s.signer,
        "certificate_sha256": s.certificate_sha256,
        "signing_time": s.signing_time.isoformat() if s.signing_time else None,
        "timestamp": s.timestamp.time.isoformat() if s.timestamp else None,
        "valid": s.valid, "trusted": s.trusted, "intact": s.intact,
        "pades_level": s.pades_level.value if s.pades_level else None,
        "problems": [p.message for p in s.problems],
    } for s in report.signatures if s.kind is SignatureKind.SIGNATURE]


class SealedWorkpaperMaker:
    """Validates the signed letter and reply against the development PKI (reusing reports
    other processes kept in `reports`: the reply's, made when it came in), renders the
    workpaper with those findings, seals it with the hub's key (time-stamped), and builds the
    evidence bundle: the documents, the reports, the chain, the CRLs and the trust anchor."""

    def __init__(self, render: Render, keyring: DevKeyring, *, level: Level = Level.B_LT,
                 at: Callable[[], datetime] | None = None,
                 executor: Executor | None = None, reports: ReportStore | None = None) -> None:
        self._render = render
        self._keys = keyring
        self._level = level
        self._at = at
        self._executor = executor
        self._reports = reports or NoReportStore()

    async def make(self, source: WorkpaperInput) -> tuple[bytes, bytes]:
        from hub.documents import render_manifest_seal
        from hub.evidence import build_bundle

        pki = await self._keys.pki()
        roots, crls = list(pki.trust_roots()), list(await self._keys.crls())
        at = self._at() if self._at is not None else None
        reports = {}
        for name, pdf in (("letter", source.letter_pdf), ("reply", source.reply_pdf)):
            reports[name] = await validate_shared(pdf, self._reports, self._executor,
                                                  trust_roots=roots, crls=crls,
                                                  allow_fetching=False, at=at)
        facts = {**source.facts,
                 "signatures": _signatures("letter", reports["letter"])
                 + _signatures("reply", reports["reply"])}
        unsealed = await rendered(self._executor, self._render, facts)
        sealing = await hub_seal_job(self._keys, self._level, crls=crls,
                                     reason="电子函证中心回函底稿 / hub workpaper seal")
        workpaper = await sign_off_loop(unsealed, sealing, self._executor)
        store, alias = sealing.store, sealing.alias
        chain = [await store.certificate(alias), *await store.chain(alias)]
        files: dict[str, bytes] = {
            "letter.pdf": source.letter_pdf,
            "reply.pdf": source.reply_pdf,
            "workpaper.pdf": workpaper,
            "validation/letter.txt": render_text(reports["letter"]).encode("utf-8"),
            "validation/reply.txt": render_text(reports["reply"]).encode("utf-8"),
            "certificates/hub.pem": b"".join(pem.armor("CERTIFICATE", c.dump()) for c in chain),
            "trust/root.pem": b"".join(pem.armor("CERTIFICATE", r.dump()) for r in roots),
        }
        for i, crl in enumerate(crls):
            files[f"revocation/ca-{i + 1}.crl"] = crl
        files.update(source.attachments)
        if source.reply_data is not None:
            files["reply.json"] = json.dumps(source.reply_data, ensure_ascii=False,
                                             indent=1).encode("utf-8")
        confirmation = source.facts.get("confirmation", {})
        metadata = {"confirmation_id": confirmation.get("id"),
                    "letter_number": confirmation.get("letter_number"),
                    "letter_sha256": confirmation.get("letter_sha256")}
        known = {"letter.pdf": reports["letter"], "reply.pdf": reports["reply"]}

        async def seal(manifest: Mapping[str, Any], keywords: str) -> bytes:
            page = await rendered(self._executor,
                                  partial(render_manifest_seal, manifest, keywords=keywords))
            job = replace(sealing, field_name=MANIFEST_FIELD,
                          reason="电子函证中心证据包清单签章 / evidence bundle manifest seal")
            return await sign_off_loop(page, job, self._executor)

        return workpaper, await build_bundle(files, metadata=metadata, reports=known, seal=seal)

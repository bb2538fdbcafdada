"""Evidence-bundle fixtures: a dev PKI at a fixed time, signed letter, reply and workpaper."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import schemas
from hub.documents import render_letter, render_manifest_seal, render_reply
from hub.evidence import build_bundle
from hub.evidence.seal import Seal
from signing import Level, LocalTsa, SignJob, devpki, render_text, sign_off_loop, validate_pdf
from signing.devpki import DevPki
from tests.documents.conftest import pdf_text, pdftotext_bin  # noqa: F401 (fixtures shared)

CLIENT = "北京示例科技有限公司"
CREATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
# Made an hour ago and checked an hour from now: the CRLs (7 days) and certificates hold.
PKI_TIME = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
AT = PKI_TIME + timedelta(hours=2)
METADATA = {"letter_number": "MC-2025-BJ-0417", "confirmation_id": "cf_0001",
            "created_at": CREATED}
PDFS = ("letter.pdf", "reply.pdf", "workpaper.pdf")


@dataclass(frozen=True)
class Evidence:
    """What the hub would put into a bundle, and the bundle built from it."""

    pki: DevPki
    files: Mapping[str, bytes]
    bundle: bytes
    """Sealed, as the hub makes it."""
    unsealed: bytes
    """The same without manifest.seal.pdf (byte-reproducible)."""


async def _sign(pdf: bytes, pki: DevPki, alias: str, field_name: str) -> bytes:
    store = pki.key_store()
    job = SignJob(store, alias, level=Level.B_T, tsa=LocalTsa(store), field_name=field_name)
    return await sign_off_loop(pdf, job)


async def _report(pdf: bytes, pki: DevPki) -> bytes:
    report = await validate_pdf(pdf, trust_roots=pki.trust_roots(), allow_fetching=False,
                                crls=pki.crls(), at=AT)
    assert report.ok, render_text(report)
    return render_text(report).encode()


async def _files(pki: DevPki) -> dict[str, bytes]:
    letter_json = schemas.example("letter.bank_format1.v2024")
    reply_json = schemas.example("reply.bank.v1")
    letter = render_letter("bank_format1", letter_json, client_name=CLIENT, created_at=CREATED)
    reply = render_reply(reply_json, customer_name=CLIENT, created_at=CREATED)
    signed_letter = await _sign(letter, pki, "firm", "FirmSeal")
    signed_reply = await _sign(reply, pki, "bank", "BankSeal")
    workpaper = await _sign(reply, pki, "hub", "HubSeal")
    root, intermediate = pki.crls()
    return {
        "letter.pdf": signed_letter,
        "reply.pdf": signed_reply,
        "workpaper.pdf": workpaper,
        "reply.json": json.dumps(reply_json, ensure_ascii=False).encode(),
        "validation/letter.txt": await _report(signed_letter, pki),
        "validation/reply.txt": await _report(signed_reply, pki),
        "certificates/firm.pem": _chain(pki, "firm"),
        "certificates/bank.pem": _chain(pki, "bank"),
        "revocation/root-ca.crl": root,
        "revocation/intermediate-ca.crl": intermediate,
        "trust/root.pem": pki.certificate_path(devpki.ROOT).read_bytes(),
    }


def _chain(pki: DevPki, alias: str) -> bytes:
    leaf = pki.certificate_path(alias).read_bytes()
    return leaf + (pki.leaf_dir / f"{alias}.chain.pem").read_bytes()


@pytest.fixture(scope="session")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    # Nothing is served at the base URL: any fetch would fail, so nothing can pass by fetching.
    pki = devpki.init(tmp_path_factory.mktemp("pki"), base_url="http://127.0.0.1:9/pki",
                      now=PKI_TIME)
    files = asyncio.run(_files(pki))
    bundle = asyncio.run(build_bundle(files, metadata=METADATA, seal=hub_seal(pki)))
    unsealed = asyncio.run(build_bundle(files, metadata=METADATA))
    return Evidence(pki, files, bundle, unsealed)


def hub_seal(pki: DevPki, alias: str = "hub") -> Seal:
    """Seals a bundle's manifest page with ``alias``'s key, as the workpaper maker does."""

    async def seal(manifest: Mapping[str, Any], keywords: str) -> bytes:
        page = render_manifest_seal(manifest, keywords=keywords, created_at=CREATED)
        return await _sign(page, pki, alias, "HubManifestSeal")

    return seal


def entries(bundle: bytes) -> list[tuple[str, bytes]]:
    """The entries of a ZIP in their order."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return [(i.filename, archive.read(i)) for i in archive.infolist()]


def rezip(items: Iterable[tuple[str, bytes]]) -> bytes:
    """A plain ZIP of ``items``, as someone repacking a bundle would make it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in items:
            archive.writestr(name, content)
    return out.getvalue()


def manifest_of(bundle: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(dict(entries(bundle))["manifest.json"])
    return data


"""Signing benchmark: PAdES signatures/s per core at B-B and B-T; validations/s of 2 signatures.

Each figure is printed beside raw pyHanko signing of the same small PDF with a stock
``SimpleSigner.load`` (key file re-read and re-parsed for every signature, container size
estimated by a dry run), measured in the same run. Everything runs in one thread of one process,
so a rate is per core. Run: .venv/bin/python bench/sign.py [--count 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from signing import (
    Level,
    LocalTimeStamper,
    TimeStampAuthority,
    async_sign_pdf,
    devpki,
    validate_pdf,
)


@dataclass(frozen=True)
class Result:
    name: str
    count: int
    wall: float
    cpu: float

    @property
    def per_second(self) -> float:
        return self.count / self.wall

    @property
    def per_cpu_second(self) -> float:
        return self.count / self.cpu


def small_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Bank confirmation HZ-2024-000123: balance CNY 1,234,567.89")
    return bytes(pdf.output())


async def measure(name: str, count: int, step: Callable[[], Awaitable[object]]) -> Result:
    for _ in range(min(10, count)):  # warm caches and code paths
        await step()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await step()
    return Result(name, count, time.perf_counter() - wall, time.process_time() - cpu)


async def run(count: int) -> list[Result]:
    directory = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    pki = devpki.init(directory)
    store = pki.key_store()
    stamper = LocalTimeStamper(await TimeStampAuthority.from_key_store(store))
    firm, company = await store.signer("firm"), await store.signer("company")
    pdf = small_pdf()
    leaf = pki.leaf_dir

    def load_stock() -> signers.SimpleSigner:
        signer = signers.SimpleSigner.load(
            str(leaf / "firm.key.pem"),
            str(leaf / "firm.cert.pem"),
            ca_chain_files=(str(leaf / "firm.chain.pem"),),
        )
        assert signer is not None
        return signer

    async def stock(signer: signers.SimpleSigner | None, reserve: int | None) -> bytes:
        meta = signers.PdfSignatureMetadata(field_name="Firm")
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        pdf_signer = signers.PdfSigner(meta, signer or load_stock())
        out = await pdf_signer.async_sign_pdf(writer, bytes_reserved=reserve)
        return bytes(out.getvalue())

    loaded = load_stock()

    async def ours(level: Level) -> bytes:
        return await async_sign_pdf(
            pdf, signer=firm, level=level, timestamper=stamper, field_name="Firm"
        )

    two = await async_sign_pdf(
        await async_sign_pdf(
            pdf, signer=company, level=Level.B_T, timestamper=stamper, field_name="Company"
        ),
        signer=firm,
        level=Level.B_T,
        timestamper=stamper,
        field_name="Firm",
    )
    roots, crls = pki.trust_roots(), pki.crls()

    async def validate() -> None:
        report = await validate_pdf(two, trust_roots=roots, allow_fetching=False, crls=crls)
        assert report.ok

    return [
        await measure("stock pyHanko SimpleSigner.load, B-B", count, lambda: stock(None, None)),
        await measure(
            "stock pyHanko, signer kept, bytes_reserved, B-B", count, lambda: stock(loaded, 16384)
        ),
        await measure("signing.async_sign_pdf B-B (cached key)", count, lambda: ours(Level.B_B)),
        await measure(
            "signing.async_sign_pdf B-T (in-process TSA)", count, lambda: ours(Level.B_T)
        ),
        await measure("validate_pdf, 2 signatures (B-T)", max(count // 5, 10), validate),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="operations per measurement")
    args = parser.parse_args()
    # pyHanko logs a warning per signature without a document time-stamp; not news here.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    results = asyncio.run(run(args.count))
    stock = results[0].per_cpu_second
    print(f"{'operation':<50} {'n':>5} {'per s':>8} {'per CPU s':>10} {'vs stock':>9}")
    for r in results:
        ratio = f"{r.per_cpu_second / stock:8.1f}x" if r is not results[-1] else "        —"
        print(f"{r.name:<50} {r.count:>5} {r.per_second:>8.1f} {r.per_cpu_second:>10.1f} {ratio}")
    print("target: >= 60 signatures/s per core (issue 3)")


if __name__ == "__main__":
    main()

"""Letter-stage benchmark: letters rendered, signed and validated per second on one core, and
the whole stage (authorised → letter made and sent on) on PostgreSQL + RabbitMQ with 1 and 2
workers.

Printed beside raw pyHanko signing of a small PDF (stock SimpleSigner.load) measured in the
same run. Run from the checkout: .venv/bin/python -m bench.letters [--letters 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

import schemas
from bench.sign import small_pdf
from bench.submit import (
    create_pg_db,
    drop_pg_db,
    free_port,
    seed_with_signer,
    start,
    stop,
    wait_http,
)
from hub.db.engine import create_engine
from hub.documents import render_letter
from signing import (
    Level,
    LocalTimeStamper,
    TimeStampAuthority,
    async_sign_pdf,
    devpki,
    validate_pdf,
)


async def per_second(count: int, step: Callable[[], Awaitable[object]]) -> float:
    await step()  # warm up
    started = time.process_time()
    for _ in range(count):
        await step()
    return count / (time.process_time() - started)


async def one_core(count: int) -> list[tuple[str, float]]:
    """Per CPU second in this process: render, sign (B-T), validate; raw pyHanko for scale."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    pki = devpki.init(Path(tempfile.mkdtemp(prefix="bench-letters-")))
    store = pki.key_store()
    stamper = LocalTimeStamper(await TimeStampAuthority.from_key_store(store))
    firm, company = await store.signer("firm"), await store.signer("company")
    letter = schemas.example("confirmation_request.bank_format1")["letter"]
    rendered = render_letter("bank_format1", letter, client_name="北京堃喆昇科技有限公司")

    async def render() -> bytes:
        return render_letter("bank_format1", letter, client_name="北京堃喆昇科技有限公司")

    async def sign() -> bytes:
        return await async_sign_pdf(rendered, signer=firm, level=Level.B_T,
                                    timestamper=stamper, field_name="FirmSeal")

    two = await async_sign_pdf(
        await async_sign_pdf(rendered, signer=company, level=Level.B_T, timestamper=stamper,
                             field_name="ClientAuthorisation"),
        signer=firm, level=Level.B_T, timestamper=stamper, field_name="FirmSeal")

    async def validate() -> None:
        report = await validate_pdf(two, trust_roots=pki.trust_roots(), allow_fetching=False,
                                    crls=pki.crls())
        assert report.ok

    raw = small_pdf()
    leaf = pki.leaf_dir

    async def stock() -> bytes:
        signer = signers.SimpleSigner.load(str(leaf / "firm.key.pem"),
                                           str(leaf / "firm.cert.pem"),
                                           ca_chain_files=(str(leaf / "firm.chain.pem"),))
        assert signer is not None
        out = await signers.PdfSigner(signers.PdfSignatureMetadata(field_name="F"), signer
                                      ).async_sign_pdf(IncrementalPdfFileWriter(
                                          __import__("io").BytesIO(raw)))
        return bytes(out.getvalue())

    return [
        ("letters rendered (格式一, 4 pages)", await per_second(count, render)),
        ("signatures, B-T, on that letter", await per_second(count, sign)),
        ("letters validated (2 signatures)", await per_second(max(count // 4, 5), validate)),
        ("raw pyHanko SimpleSigner.load, B-B, small PDF", await per_second(count, stock)),
    ]


async def stage(workers: int, letters: int, tmp: str) -> float:
    """authorised → letter made per second with `workers` `hub worker` processes."""
    name = await create_pg_db()
    vhost = f"bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*",
                    ".*"], check=True)
    db = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    data = Path(tmp) / f"w{workers}"
    env = {"HUB_DATABASE_URL": db, "HUB_BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
           "HUB_DATA_DIR": str(data)}
    procs = []
    try:
        key, engagement_id, bank, signer = await seed_with_signer(db, env["HUB_BROKER_URL"])
        port = free_port()
        procs.append(start("api", env, "--port", str(port)))
        procs.append(start("relay", env))
        procs.append(start("scheduler", env))  # deadlines, and the event log's sealer
        procs += [start("worker", env) for _ in range(workers)]
        base = f"http://127.0.0.1:{port}"
        await wait_http(base)
        template = schemas.example("confirmation_request.bank_format1")
        ids = []
        async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {key}"}) as h:
            for i in range(letters):
                body: dict[str, Any] = {**template, "engagement_id": engagement_id,
                                        "scope": f"s{i}"}
                body["letter"] = {**template["letter"], "letter_number": f"L-{i}",
                                  "responder": {**template["letter"]["responder"], "uscc": bank}}
                async with h.post("/api/v1/confirmations", json=body) as r:
                    assert r.status == 201, await r.text()
                    ids.append((await r.json())["id"])
        engine = create_engine(db)

        async def count(status: str) -> int:
            async with engine.connect() as conn:
                return int((await conn.execute(text(
                    "SELECT count(*) FROM confirmations WHERE status = :s"), {"s": status}
                )).scalar_one())

        async def made() -> int:  # letter_ready, and sent on at once (dispatched)
            async with engine.connect() as conn:
                return int((await conn.execute(text(
                    "SELECT count(*) FROM confirmations WHERE letter_sha256 IS NOT NULL")
                )).scalar_one())

        while await count("awaiting_authorisation") < letters:
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {signer}"}
                                         ) as h:
            for cid in ids:
                async with h.post(f"/api/v1/confirmations/{cid}/authorization") as r:
                    assert r.status == 200, await r.text()
        while await made() < letters:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await engine.dispose()
        return letters / elapsed
    finally:
        for p in procs:
            stop(p)
        await drop_pg_db(name)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=60)
    parser.add_argument("--count", type=int, default=60, help="operations per one-core figure")
    args = parser.parse_args()
    rows = await one_core(args.count)
    raw = rows[-1][1]
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            rate = await stage(workers, args.letters, tmp)
            rows.append((f"letter stage, PG+RabbitMQ, {workers} worker process(es)", rate))
    print(f"\nbench/letters.py — {os.cpu_count()} cores; one-core rows per CPU second\n")
    print(f"{'figure':<52}{'per s':>8}  {'vs raw pyHanko':>14}")
    for label, rate in rows:
        print(f"{label:<52}{rate:>8.1f}  {rate / raw:>13.1f}x")


if __name__ == "__main__":
    asyncio.run(main())

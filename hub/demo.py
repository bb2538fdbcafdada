"""`hub demo`: the hub on its embedded default with a demo round trip through the real API."""

from __future__ import annotations

import asyncio
import copy
import secrets
from pathlib import Path
from typing import Any

import aiohttp

import schemas
from hub.domain.commands import CreateApiKey, CreateOrganisation
from hub.domain.uscc import make_uscc
from hub.seeding import verified_responder
from hub.settings import Settings

# Invented organisations with valid 统一社会信用代码.
FIRM = ("firm", "立信达会计师事务所（特殊普通合伙）", make_uscc("91310000MA1FL0DEM"))
BANK = ("bank", "中国示范银行股份有限公司上海分行", make_uscc("91310000MA1BK0DEM"))
CLIENT = ("company", "上海堃喆昇科技有限公司", make_uscc("91310115MA1CL0DEM"))
COUNTERPARTY = ("company", "杭州示例贸易有限公司", make_uscc("91330100MA2CP0DEM"))

LETTER_TYPES = (
    "bank_format1", "bank_format2", "bank_capital", "company_receivable", "company_payable",
)


async def _org(container: Any, spec: tuple[str, str, str]) -> str:
    kind, name, uscc = spec
    async with container.uow_factory() as uow:
        existing = await uow.organisations.by_uscc(uscc)
    if existing is not None:
        return str(existing.id)
    org = await container.bus.handle(CreateOrganisation(kind=kind, name=name, uscc=uscc))
    return str(org.id)


def _letter_request(letter_type: str, engagement_id: str, run: str, n: int) -> dict[str, Any]:
    body = copy.deepcopy(schemas.example(f"confirmation_request.{letter_type}"))
    body["engagement_id"] = engagement_id
    responder = BANK if letter_type.startswith("bank_") else COUNTERPARTY
    body["letter"]["responder"] = {"uscc": responder[2], "name": responder[1]}
    body["letter"]["letter_number"] = f"DEMO-{run}-{n:02d}"
    body["scope"] = f"demo-{run}"
    return body


async def run_demo(settings: Settings, *, once: bool, port: int | None = None) -> int:
    """Submit one letter of each type, authorise them as the audited entity, and show the
    signed letters the hub made."""
    from hub.bootstrap import build
    from hub.db.eventlog import verify_chain
    from hub.db.migrate import migrate
    from hub.logs import configure_logging
    from hub.runtime import Runtime

    configure_logging("warning", settings.log_format)
    settings = settings.replace(scheduler_interval_seconds=5.0)
    await migrate(settings.database_url)
    container = build(settings)
    runtime = Runtime(container, ("api", "relay", "worker", "scheduler"))
    await runtime.start(host="127.0.0.1", port=port if port is not None else 0)
    base = f"http://127.0.0.1:{runtime.bound_port}"
    try:
        firm_id = await _org(container, FIRM)
        for kind, name, uscc in (BANK, COUNTERPARTY):
            await verified_responder(container, kind=kind, name=name, uscc=uscc)
        _, key = await container.bus.handle(CreateApiKey(org_id=firm_id, role="auditor"))
        headers = {"Authorization": f"Bearer {key}"}
        run = secrets.token_hex(3)
        async with aiohttp.ClientSession(base, headers=headers) as http:
            resp = await http.post("/api/v1/engagements", json={
                "name": "2025年度财务报表审计", "reference": f"DEMO-{run}",
                "client": {"name": CLIENT[1], "uscc": CLIENT[2]},
                "period_start": "2025-01-01", "period_end": "2025-12-31",
            })
            resp.raise_for_status()
            engagement_id = (await resp.json())["id"]
            ids = []
            for n, letter_type in enumerate(LETTER_TYPES, start=1):
                body = _letter_request(letter_type, engagement_id, run, n)
                resp = await http.post("/api/v1/confirmations", json=body,
                                       headers={"Idempotency-Key": f"demo-{run}-{n}"})
                if resp.status != 201:
                    print(f"{letter_type}: refused {resp.status} {await resp.text()}")
                    return 1
                ids.append((await resp.json())["id"])
            await _wait_for(http, ids, "awaiting_authorisation")
            client_org = (await (await http.get(
                f"/api/v1/engagements/{engagement_id}")).json())["client_org_id"]
            _, signer_key = await container.bus.handle(
                CreateApiKey(org_id=client_org, role="client_signer"))
            async with aiohttp.ClientSession(
                base, headers={"Authorization": f"Bearer {signer_key}"}
            ) as client:
                for cid in ids:  # 授权: the audited entity authorises each request
                    resp = await client.post(f"/api/v1/confirmations/{cid}/authorization")
                    resp.raise_for_status()
            rows = await _wait_for(http, ids, "dispatched", within=120)
            saved = await _save_letters(http, rows, settings.data_dir / "demo" / run)
        checks = await _check_letters(settings, saved)
        print(f"\n电子函证中心 demo — API at {base}   engagement {engagement_id}\n")
        print(f"{'函证编号':<18}{'letter type':<20}{'status':<14}{'signatures':<22}SHA-256")
        for r in rows:
            print(f"{r['letter_number']:<22}{r['letter_type']:<20}{r['status']:<14}"
                  f"{checks.get(r['id'], '-'):<22}{(r['letter_sha256'] or '-')[:16]}")
        report = await verify_chain(container.engine)
        print(f"\nsigned letters: {settings.data_dir / 'demo' / run}")
        print(f"check one: hub verify {next(iter(saved.values()), '<file>')}"
              f" --dir {settings.data_dir / 'pki'}")
        print(f"event log: {report.entries} entries, hash chain "
              f"{'intact' if report.ok else 'BROKEN at ' + str(report.first_bad_seq)}")
        print(f"database: {settings.database_url}")
        print(f"try: curl -H 'Authorization: Bearer {key}' {base}/api/v1/confirmations")
        ok = report.ok and all(r["status"] == "dispatched" for r in rows) and all(
            v.startswith("2 valid") for v in checks.values()) and len(checks) == len(rows)
        if not once:
            print("\nserving; Ctrl-C to stop")
            await _forever()
        return 0 if ok else 1
    finally:
        await runtime.stop()


async def _wait_for(
    http: aiohttp.ClientSession, ids: list[str], status: str, within: float = 30.0
) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        rows = []
        for cid in ids:
            async with http.get(f"/api/v1/confirmations/{cid}") as resp:
                rows.append(await resp.json())
        if all(r["status"] == status for r in rows) or loop.time() > deadline:
            return rows
        await asyncio.sleep(0.2)


async def _save_letters(
    http: aiohttp.ClientSession, rows: list[dict[str, Any]], folder: Path
) -> dict[str, Path]:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    saved = {}
    for r in rows:
        if r["status"] != "dispatched":
            continue
        async with http.get(f"/api/v1/confirmations/{r['id']}/letter.pdf") as resp:
            resp.raise_for_status()
            path = folder / f"{r['letter_number']}.pdf"
            await asyncio.to_thread(path.write_bytes, await resp.read())
            saved[r["id"]] = path
    return saved


async def _check_letters(settings: Settings, saved: dict[str, Path]) -> dict[str, str]:
    """Each saved letter's signatures, checked offline against the development PKI."""
    from signing import devpki, validate_pdf

    pki = devpki.load(settings.data_dir / "pki")
    out = {}
    for cid, path in saved.items():
        pdf = await asyncio.to_thread(path.read_bytes)
        report = await validate_pdf(pdf, trust_roots=pki.trust_roots(),
                                    allow_fetching=False, crls=pki.crls())
        good = sum(1 for s in report.signatures if s.valid and s.trusted)
        out[cid] = f"{good} valid" + ("" if report.ok else " (NOT OK)")
    return out


async def _forever() -> None:
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()

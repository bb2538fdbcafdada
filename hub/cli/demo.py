"""`hub demo`: the hub on its embedded default with a demo round trip through the real API."""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

import schemas
from hub.cli.seeding import organisation, verified_responder
from hub.domain.commands import CreateApiKey
from hub.domain.uscc import make_uscc
from hub.infra.settings import Settings

# Invented organisations with valid 统一社会信用代码. The bank and the audited entity are the
# reference bank's own (adapters/bank_sim's example ledger): it knows this customer.
# The firm the example letters name (reply_to.firm_name, mingcheng-cpa): letters and workpapers
# of one demo name one firm.
FIRM = ("firm", "明诚会计师事务所（特殊普通合伙）", make_uscc("91310000MA1FL0DEM"))
COUNTERPARTY = ("company", "杭州示例贸易有限公司", make_uscc("91330100MA2CP0DEM"))

LETTER_TYPES = (
    "bank_format1", "bank_format2", "bank_capital", "company_receivable", "company_payable",
)
BANK_DONE = ("verified", "returned", "failed")
SEEDED = ("0200004538000210457", "136852.40", "136800.00")
"""The difference seeded in the bank's ledger: this USD account's balance."""


def _letter_request(letter_type: str, engagement_id: str, run: str, n: int,
                    bank: tuple[str, str]) -> dict[str, Any]:
    body = copy.deepcopy(schemas.example(f"confirmation_request.{letter_type}"))
    body["engagement_id"] = engagement_id
    name, uscc = bank if letter_type.startswith("bank_") else COUNTERPARTY[1:]
    body["letter"]["responder"] = {**body["letter"].get("responder", {}), "uscc": uscc,
                                   "name": name}
    body["letter"]["letter_number"] = f"DEMO-{run}-{n:02d}"
    body["scope"] = f"demo-{run}"
    return body


def _seeded_ledger(folder: Path) -> Path:
    """The reference bank's example ledger with one difference seeded (SEEDED)."""
    from adapters.bank_sim import EXAMPLE_LEDGER

    data = json.loads(EXAMPLE_LEDGER.read_text("utf-8"))
    for customer in data["customers"].values():
        for row in customer.get("deposits", []):
            if row["account_number"] == SEEDED[0]:
                row["balance"] = SEEDED[2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ledger.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return path


async def _bank(container: Any, base: str, folder: Path) -> tuple[Any, tuple[str, str]]:
    """Start the reference bank (adapters/bank_sim) beside the hub, registered and verified
    with its reply certificate; returns its runner and (name, uscc)."""
    from adapters.bank_sim import BankSigner, BankSimSettings, Ledger, create_bank_app
    from hub.cli.seeding import admin_caller, operator_id
    from hub.domain.commands import ChangeResponder, VerifyResponder

    ledger_path = await asyncio.to_thread(_seeded_ledger, folder)
    ledger = await asyncio.to_thread(Ledger.load, ledger_path)
    pki_dir = container.settings.data_dir / "pki"
    await container.dev_keyring.pki()  # the hub's development PKI, made on first use
    signer = await asyncio.to_thread(BankSigner.from_pki, pki_dir, "bank-sim",
                                     bank_name=ledger.bank.name, bank_uscc=ledger.bank.uscc)
    entry = await verified_responder(
        container, kind="bank", name=ledger.bank.name, uscc=ledger.bank.uscc,
        bank_code=ledger.bank.bank_code, certificates=(signer.certificate_pem,))
    registered = {c.pem.strip() for c in entry.certificates}
    if signer.certificate_pem.strip() not in registered:  # an older demo's entry
        op = await operator_id(container)
        changed = await container.bus.handle(ChangeResponder(
            caller=admin_caller(op, "seed-registrar"), responder_id=entry.id,
            version=entry.version, changes={"certificates": [signer.certificate_pem]}))
        await container.bus.handle(VerifyResponder(
            caller=admin_caller(op, "seed-verifier"), responder_id=entry.id,
            version=changed.version))
    _, key = await container.bus.handle(CreateApiKey(org_id=entry.org_id, role="bank_operator"))
    app = create_bank_app(BankSimSettings(
        hub_url=base, api_key=key, pki_dir=pki_dir, data_dir=folder / "bank",
        ledger=ledger_path, signer_alias="bank-sim", poll_seconds=0.5))
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, (ledger.bank.name, ledger.bank.uscc)


async def run_demo(settings: Settings, *, once: bool, port: int | None = None) -> int:
    """Submit one letter of each type, authorise them as the audited entity, let the
    reference bank answer its letters, and show the outcome and the signed PDFs."""
    from adapters.bank_sim import EXAMPLE_LEDGER, Ledger
    from hub.bootstrap import build
    from hub.db.eventlog import verify_chain
    from hub.db.migrate import migrate
    from hub.infra.logs import configure_logging
    from hub.runtime import Runtime

    configure_logging("warning", settings.log_format)
    run = secrets.token_hex(3)
    folder = settings.data_dir / "demo" / run
    port = port if port is not None else _free_port()
    settings = settings.replace(scheduler_interval_seconds=5.0, web_cookie_secure=False,
                                portal_base_url=settings.portal_base_url
                                or f"http://127.0.0.1:{port}")
    if not settings.smtp_host and not settings.mail_directory:
        # No SMTP server: the portal's e-mails go to a folder the demo's company reads.
        settings = settings.replace(mail_directory=str(folder / "mail"))
    await migrate(settings.database_url)
    container = build(settings)
    runtime = Runtime(container, ("api", "relay", "worker", "scheduler"))
    await runtime.start(host="127.0.0.1", port=port)
    base = f"http://127.0.0.1:{runtime.bound_port}"
    bank_runner = None
    try:
        known = next(iter((await asyncio.to_thread(Ledger.load, EXAMPLE_LEDGER)
                           ).customers.values()))
        client_name, client_uscc = known.name, known.uscc
        firm_id = await organisation(container, *FIRM)
        await verified_responder(container, kind="company", name=COUNTERPARTY[1],
                                 uscc=COUNTERPARTY[2])
        bank_runner, bank = await _bank(container, base, folder)
        _, key = await container.bus.handle(CreateApiKey(org_id=firm_id, role="auditor"))
        web_login, web_password = f"auditor-{run}@demo.example.cn", secrets.token_urlsafe(9)
        await container.accounts().create_user(org_id=firm_id, email=web_login,
                                               name="演示审计员", role="auditor",
                                               password=web_password)
        headers = {"Authorization": f"Bearer {key}"}
        async with aiohttp.ClientSession(base, headers=headers) as http:
            resp = await http.post("/api/v1/engagements", json={
                "name": "2025年度财务报表审计", "reference": f"DEMO-{run}",
                "client": {"name": client_name, "uscc": client_uscc},
                "period_start": "2025-01-01", "period_end": "2025-12-31",
            })
            resp.raise_for_status()
            engagement_id = (await resp.json())["id"]
            ids = []
            for n, letter_type in enumerate(LETTER_TYPES, start=1):
                resp = await http.post("/api/v1/confirmations",
                                       json=_letter_request(letter_type, engagement_id, run, n,
                                                            bank),
                                       headers={"Idempotency-Key": f"demo-{run}-{n}"})
                if resp.status != 201:
                    print(f"{letter_type}: refused {resp.status} {await resp.text()}")
                    return 1
                ids.append((await resp.json())["id"])
            await _wait_for(http, ids, ("awaiting_authorisation",))
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
            bank_ids, company_ids = ids[:3], ids[3:]
            if settings.mail_directory:
                await _wait_for(http, company_ids, ("delivered",), within=120)
                await _answer_company_letters(base, Path(settings.mail_directory), run)
            rows = await _wait_for(http, bank_ids, BANK_DONE, within=180) + \
                await _wait_for(http, company_ids, BANK_DONE, within=120)
            saved = await _save(http, rows, folder, "letter.pdf", "")
            replies = await _save(http, rows, folder, "reply.pdf", "回函-")
            exceptions = {r["id"]: (await (await http.get(
                f"/api/v1/confirmations/{r['id']}/replies")).json())["exceptions"] for r in rows}
            await _wait_for_documents(http, ids, "evidence.zip")
            bundles = await _save(http, rows, folder, "evidence.zip", "证据包-")
            await _save(http, rows, folder, "workpaper.pdf", "底稿-")
        checks = await _check_signatures(settings, saved)
        reply_checks = await _check_signatures(settings, replies)
        bundle_checks = await _check_bundles(bundles)
        _print(base, engagement_id, rows, checks, reply_checks, exceptions)
        report = await verify_chain(container.engine)
        print(f"\nsigned letters and replies: {folder}")
        print(f"check one: hub verify {next(iter(replies.values()), '<file>')}"
              f" --dir {settings.data_dir / 'pki'}")
        print(f"evidence bundles (workpaper, letter, reply, reports, chains, manifest): "
              f"{sum(bundle_checks.values())} of {len(bundle_checks)} verify offline; "
              f"hub verify {next(iter(bundles.values()), '<file>')}")
        print(f"event log: {report.entries} entries, hash chain "
              f"{'intact' if report.ok else 'BROKEN at ' + str(report.first_bad_seq)}")
        print(f"database: {settings.database_url}")
        print(f"try: curl -H 'Authorization: Bearer {key}' {base}/api/v1/confirmations")
        print(f"web: {base}/web/  sign in as {web_login} / {web_password}")
        answered = rows if settings.mail_directory else rows[:3]
        ok = (report.ok and all(r["status"] == "verified" for r in answered)
              and [r["exception_count"] for r in answered] == [1, 1, 0, 0, 1][:len(answered)]
              and all(v.startswith("2 valid") for v in checks.values())
              and len(checks) == len(rows) and len(reply_checks) == len(answered)
              and all(v.startswith("1 valid") for v in reply_checks.values())
              and len(bundle_checks) == len(answered) and all(bundle_checks.values()))
        if not once:
            print("\nserving; Ctrl-C to stop")
            await _forever()
        return 0 if ok else 1
    finally:
        if bank_runner is not None:
            await bank_runner.cleanup()
        await runtime.stop()


async def _answer_company_letters(base: str, mail_folder: Path, run: str) -> None:
    """The counterparty's contact answers through the portal: agrees with the receivable
    letter, and reports a different figure on the (negative) payable letter."""
    from hub.cli.demo_company import MailFolder, answer_letter

    mail = MailFolder(mail_folder)
    for n, letter_type in ((4, "company_receivable"), (5, "company_payable")):
        letter = schemas.example(f"confirmation_request.{letter_type}")["letter"]
        own = {} if letter_type == "company_receivable" else {(0, "owed_to_you"): "734000.00"}
        await answer_letter(base, mail, f"DEMO-{run}-{n:02d}", letter, own,
                            explanation="我司记录的材料采购款为 734,000.00 元，差额为质量扣款。")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _wait_for_documents(http: aiohttp.ClientSession, ids: list[str], document: str,
                              within: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    for cid in ids:
        while loop.time() < deadline:
            async with http.get(f"/api/v1/confirmations/{cid}/{document}") as resp:
                if resp.status == 200:
                    break
            await asyncio.sleep(0.2)


async def _check_bundles(saved: dict[str, Path]) -> dict[str, bool]:
    """Each saved evidence bundle, checked offline (its own trust anchor and CRLs)."""
    from hub.evidence import verify_bundle

    return {cid: (await verify_bundle(await asyncio.to_thread(path.read_bytes))).ok
            for cid, path in saved.items()}


def _print(base: str, engagement_id: str, rows: list[dict[str, Any]], checks: dict[str, str],
           reply_checks: dict[str, str], exceptions: dict[str, list[dict[str, Any]]]) -> None:
    print(f"\n电子函证中心 demo — API at {base}   engagement {engagement_id}\n")
    print(f"{'函证编号':<17}{'letter type':<20}{'status':<12}{'exceptions':<12}"
          f"{'reply due':<12}{'letter':<11}reply")
    for r in rows:
        count = "-" if r["exception_count"] is None else str(r["exception_count"])
        print(f"{r['letter_number']:<21}{r['letter_type']:<20}{r['status']:<12}{count:<12}"
              f"{r['reply_due'] or '-':<12}{checks.get(r['id'], '-'):<11}"
              f"{reply_checks.get(r['id'], '-')}")
    for r in rows:
        for e in exceptions.get(r["id"], []):
            print(f"  {r['letter_number']} 差异: {e['item']} 第{(e['row'] or 0) + 1}行 "
                  f"{e['field'] or e['kind']}: 账面 {e['book_value']} / 回函 "
                  f"{e['confirmed_value']} (差额 {e['difference']})")
    waiting = [r for r in rows if r["status"] != "verified"]
    if waiting:
        print(f"  not answered: {', '.join(r['letter_number'] for r in waiting)}")


async def _wait_for(
    http: aiohttp.ClientSession, ids: list[str], statuses: tuple[str, ...],
    within: float = 30.0,
) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        rows = []
        for cid in ids:
            async with http.get(f"/api/v1/confirmations/{cid}") as resp:
                rows.append(await resp.json())
        if all(r["status"] in statuses for r in rows) or loop.time() > deadline:
            return rows
        await asyncio.sleep(0.2)


async def _save(
    http: aiohttp.ClientSession, rows: list[dict[str, Any]], folder: Path, document: str,
    prefix: str,
) -> dict[str, Path]:
    """Download each confirmation's `document` (letter.pdf, reply.pdf) where there is one."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    saved = {}
    for r in rows:
        async with http.get(f"/api/v1/confirmations/{r['id']}/{document}") as resp:
            if resp.status == 404:
                continue
            resp.raise_for_status()
            path = folder / f"{prefix}{r['letter_number']}{Path(document).suffix}"
            await asyncio.to_thread(path.write_bytes, await resp.read())
            saved[r["id"]] = path
    return saved


async def _check_signatures(settings: Settings, saved: dict[str, Path]) -> dict[str, str]:
    """Each saved PDF's signatures, checked offline against the development PKI."""
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

"""The `hub` command as an operator uses it: migrate, org and key creation, audit verify."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from typing import Any

import aiohttp
from sqlalchemy import text

import schemas
from hub.db.engine import create_engine
from tests.cli import hub_cli
from tests.conftest import free_port
from tests.e2e.conftest import new_uscc, start_hub


async def test_org_and_key_commands_give_a_working_key(db_url: str, tmp_path: Any) -> None:
    assert (await hub_cli(db_url, "migrate", tmp_path=tmp_path)).returncode == 0
    made = await hub_cli(db_url, "org", "create", "--kind", "firm", "--name", "信达会计师事务所",
                         "--uscc", new_uscc(), tmp_path=tmp_path)
    assert made.returncode == 0, made.stderr
    org_id = made.stdout.strip()
    key = await hub_cli(db_url, "apikey", "create", "--org", org_id, "--role", "auditor",
                        tmp_path=tmp_path)
    assert key.returncode == 0, key.stderr
    api_key = key.stdout.strip()
    # The key is shown once and works; the database holds only a hash of it.
    hub = await start_hub(db_url, "embedded://", tmp_path)
    try:
        async with aiohttp.ClientSession(
            hub.base, headers={"Authorization": f"Bearer {api_key}"}
        ) as http:
            assert (await http.get("/api/v1/confirmations")).status == 200
        async with hub.container.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT secret_hash FROM api_keys"))).scalars().all()
        secret = api_key.split("_", 2)[2]
        assert stored and all(secret not in s for s in stored)
    finally:
        await hub.runtime.stop()
    bad = await hub_cli(db_url, "org", "create", "--kind", "bank", "--name", "错号银行",
                        "--uscc", "91110000710935732A", tmp_path=tmp_path)
    assert bad.returncode == 2
    assert "uscc" in bad.stderr and "check digit" in bad.stderr
    wrong_role = await hub_cli(db_url, "apikey", "create", "--org", org_id, "--role",
                               "bank_operator", tmp_path=tmp_path)
    assert wrong_role.returncode == 2 and "role" in wrong_role.stderr


async def test_audit_verify_names_the_altered_entry(db_url: str, tmp_path: Any) -> None:
    assert (await hub_cli(db_url, "migrate", tmp_path=tmp_path)).returncode == 0
    for kind in ("firm", "bank", "company", "company"):
        assert (await hub_cli(db_url, "org", "create", "--kind", kind, "--name", f"{kind}名称",
                              "--uscc", new_uscc(), tmp_path=tmp_path)).returncode == 0
    ok = await hub_cli(db_url, "audit", "verify", tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "4 entries" in ok.stdout
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            seq = (await conn.execute(text("SELECT seq FROM event_log ORDER BY seq"))
                   ).scalars().all()[2]
            await conn.execute(text(
                "UPDATE event_log SET actor = 'someone else' WHERE seq = :seq"), {"seq": seq})
    finally:
        await engine.dispose()
    broken = await hub_cli(db_url, "audit", "verify", tmp_path=tmp_path)
    assert broken.returncode == 1
    assert f"seq={seq}" in broken.stderr


async def test_serve_logs_json_lines_with_ids_and_no_secrets(tmp_path: Any) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    assert (await hub_cli(db_url, "migrate", tmp_path=tmp_path)).returncode == 0
    firm = (await hub_cli(db_url, "org", "create", "--kind", "firm", "--name", "信达会计师事务所",
                          "--uscc", new_uscc(), tmp_path=tmp_path)).stdout.strip()
    bank_uscc = new_uscc()
    bank = await hub_cli(db_url, "responder", "register", "--operator", "张三", "--kind", "bank",
                         "--name", "示范银行", "--uscc", bank_uscc, "--bank-code", "313100000013",
                         "--channel", "bank_api_pull", tmp_path=tmp_path)
    assert bank.returncode == 0, bank.stderr
    refused = await hub_cli(db_url, "responder", "verify", "--operator", "张三",
                            bank.stdout.strip(), tmp_path=tmp_path)
    assert refused.returncode == 2 and "another admin" in refused.stderr  # four eyes
    assert (await hub_cli(db_url, "responder", "verify", "--operator", "李四", bank.stdout.strip(),
                          tmp_path=tmp_path)).returncode == 0
    api_key = (await hub_cli(db_url, "apikey", "create", "--org", firm, "--role", "auditor",
                             tmp_path=tmp_path)).stdout.strip()
    env = {**os.environ, "HUB_DATABASE_URL": db_url, "HUB_DATA_DIR": str(tmp_path),
           "HUB_LOG_LEVEL": "debug", "HUB_LOG_FORMAT": "json"}
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    try:
        async with aiohttp.ClientSession(
            f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {api_key}"}
        ) as http:
            await wait_until_up(http)
            engagement = await (await http.post("/api/v1/engagements", json={
                "name": "2025年度审计", "client": {"name": "被审计单位", "uscc": new_uscc()},
                "period_start": "2025-01-01", "period_end": "2025-12-31",
            })).json()
            body = schemas.example("confirmation_request.bank_format1")
            body["engagement_id"] = engagement["id"]
            body["letter"]["responder"]["uscc"] = bank_uscc
            made = await http.post("/api/v1/confirmations", json=body,
                                   headers={"X-Request-ID": "req-under-test"})
            assert made.status == 201, await made.text()
            cid = (await made.json())["id"]
            await http.get(f"/api/v1/confirmations/{cid}/history")
            # Once authorised, a worker makes the letter: its log lines carry both ids.
            signer = (await hub_cli(db_url, "apikey", "create", "--org",
                                    engagement["client_org_id"], "--role", "client_signer",
                                    tmp_path=tmp_path)).stdout.strip()
            authorised = await http.post(f"/api/v1/confirmations/{cid}/authorization",
                                         headers={"Authorization": f"Bearer {signer}"})
            assert authorised.status == 200, await authorised.text()
            for _ in range(300):
                got = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
                if got["status"] not in ("authorised", "letter_ready"):
                    break
                await asyncio.sleep(0.1)
            assert got["status"] == "dispatched", got
    finally:
        serve.send_signal(signal.SIGTERM)
        _, stderr = serve.communicate(timeout=60)
    assert serve.returncode == 0, stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert lines and len(lines) == len(stderr.splitlines()), "every log line is JSON"
    submitted = [x for x in lines if x.get("request_id") == "req-under-test"]
    assert submitted and all(x.get("confirmation_id") == cid for x in submitted)
    history = [x for x in lines if x.get("path") == f"/api/v1/confirmations/{cid}/history"]
    assert history and history[0]["confirmation_id"] == cid and history[0]["status"] == 200
    consumed = [x for x in lines if x.get("message_id") and x.get("confirmation_id") == cid]
    assert consumed, "the worker's lines carry message_id and confirmation_id"
    secret = api_key.split("_", 2)[2]
    assert secret not in stderr


async def wait_until_up(http: aiohttp.ClientSession) -> None:
    for _ in range(200):
        try:
            if (await http.get("/healthz")).status == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("hub serve did not come up")

"""The `hub` command as an operator uses it: migrate, org and key creation, audit verify."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import aiohttp
from sqlalchemy import text

from hub.db.engine import create_engine
from tests.e2e.conftest import new_uscc, start_hub


def hub_cli(db_url: str, *args: str, tmp_path: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": db_url, "HUB_DATA_DIR": str(tmp_path),
           "HUB_LOG_LEVEL": "warning"}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, text=True,
                          capture_output=True, timeout=120)


async def test_org_and_key_commands_give_a_working_key(db_url: str, tmp_path: Any) -> None:
    assert hub_cli(db_url, "migrate", tmp_path=tmp_path).returncode == 0
    made = hub_cli(db_url, "org", "create", "--kind", "firm", "--name", "信达会计师事务所",
                   "--uscc", new_uscc(), tmp_path=tmp_path)
    assert made.returncode == 0, made.stderr
    org_id = made.stdout.strip()
    key = hub_cli(db_url, "apikey", "create", "--org", org_id, "--role", "auditor",
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
    bad = hub_cli(db_url, "org", "create", "--kind", "bank", "--name", "错号银行",
                  "--uscc", "91110000710935732A", tmp_path=tmp_path)
    assert bad.returncode == 2
    assert "uscc" in bad.stderr and "check digit" in bad.stderr
    wrong_role = hub_cli(db_url, "apikey", "create", "--org", org_id, "--role",
                         "bank_operator", tmp_path=tmp_path)
    assert wrong_role.returncode == 2 and "role" in wrong_role.stderr


async def test_audit_verify_names_the_altered_entry(db_url: str, tmp_path: Any) -> None:
    assert hub_cli(db_url, "migrate", tmp_path=tmp_path).returncode == 0
    for kind in ("firm", "bank", "company", "company"):
        assert hub_cli(db_url, "org", "create", "--kind", kind, "--name", f"{kind}名称",
                       "--uscc", new_uscc(), tmp_path=tmp_path).returncode == 0
    ok = hub_cli(db_url, "audit", "verify", tmp_path=tmp_path)
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
    broken = hub_cli(db_url, "audit", "verify", tmp_path=tmp_path)
    assert broken.returncode == 1
    assert f"seq={seq}" in broken.stderr

"""Listing, making, revoking and rotating API keys: a firm_admin over its firm, admins by CLI."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tests.cli import hub_cli
from tests.e2e.conftest import Firm, Hub, make_firm, start_hub


async def status_of(hub: Hub, key: str, path: str = "/api/v1/confirmations") -> int:
    async with hub.client(key) as http:
        return (await http.get(path)).status


async def logged(hub: Hub, key_id: str) -> list[tuple[str, str]]:
    """(event type, actor) of the event log's entries about the key, in order."""
    async with hub.container.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT event_type, actor FROM event_log WHERE aggregate_id = :k ORDER BY seq"),
            {"k": key_id})
        return [(r[0], r[1]) for r in rows]


async def test_a_firm_admin_lists_makes_revokes_and_rotates_its_firms_keys(
        hub: Hub, firm: Firm) -> None:
    admin = await hub.key(firm.org_id, "firm_admin")
    async with hub.client(admin) as http:
        made = await http.post("/api/v1/apikeys", json={"role": "auditor"})
        assert made.status == 201 and made.headers["Cache-Control"] == "no-store"
        new = await made.json()
        listed = (await (await http.get("/api/v1/apikeys")).json())["items"]
    assert new["role"] == "auditor" and new["key"].startswith(f"hub_{new['id']}_")
    assert {k["id"] for k in listed} == {firm.key.split("_")[1], admin.split("_")[1], new["id"]}
    assert all("key" not in k and "secret_hash" not in k for k in listed)
    assert await status_of(hub, new["key"]) == 200

    async with hub.client(admin) as http:
        assert (await http.post(f"/api/v1/apikeys/{new['id']}/revoke")).status == 204
        again = await http.post(f"/api/v1/apikeys/{new['id']}/revoke")
        assert again.status == 409
    assert await status_of(hub, new["key"]) == 401  # at once, though it was just used

    old_id = firm.key.split("_")[1]
    assert await status_of(hub, firm.key) == 200
    async with hub.client(admin) as http:
        rotated = await http.post(f"/api/v1/apikeys/{old_id}/rotate")
        assert rotated.status == 201
        replacement = await rotated.json()
        after = {k["id"]: k for k in (await (await http.get("/api/v1/apikeys")).json())["items"]}
    assert replacement["role"] == "auditor" and replacement["id"] != old_id
    assert await status_of(hub, firm.key) == 401
    assert await status_of(hub, replacement["key"]) == 200
    assert after[old_id]["revoked_at"] and after[replacement["id"]]["revoked_at"] is None

    actor = f"firm_admin:{admin.split('_')[1]}"
    assert await logged(hub, new["id"]) == [("api_key.created", actor),
                                             ("api_key.revoked", actor)]
    assert ("api_key.rotated", actor) in await logged(hub, old_id)


async def test_keys_stay_within_their_firm_and_their_firm_admin(hub: Hub, firm: Firm) -> None:
    other = await make_firm(hub)
    others_admin = await hub.key(other.org_id, "firm_admin")
    key_id = firm.key.split("_")[1]
    async with hub.client(others_admin) as http:
        listed = (await (await http.get("/api/v1/apikeys")).json())["items"]
        assert key_id not in {k["id"] for k in listed}
        for action in ("revoke", "rotate"):
            assert (await http.post(f"/api/v1/apikeys/{key_id}/{action}")).status == 404
        bank_key = await http.post("/api/v1/apikeys", json={"role": "bank_operator"})
        assert bank_key.status == 422
        assert (await bank_key.json())["errors"][0]["field"] == "/role"
    async with hub.client(firm.key) as http:  # an auditor does not manage keys
        assert (await http.get("/api/v1/apikeys")).status == 404
        assert (await http.post(f"/api/v1/apikeys/{key_id}/revoke")).status == 404
    assert await status_of(hub, firm.key) == 200  # nothing of the above touched it


async def test_the_cli_lists_revokes_and_rotates_and_the_running_api_follows(
        db_url: str, tmp_path: Any) -> None:
    hub = await start_hub(db_url, "embedded://", tmp_path)
    try:
        firm = await make_firm(hub)
        key_id = firm.key.split("_")[1]
        spare = await hub.key(firm.org_id, "auditor")
        assert await status_of(hub, firm.key) == 200  # read, so this process caches it

        listed = await hub_cli(db_url, "apikey", "list", "--org", firm.org_id, tmp_path=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert key_id in listed.stdout and firm.key.split("_", 2)[2] not in listed.stdout

        revoked = await hub_cli(db_url, "apikey", "revoke", key_id, "--operator", "张三",
                                tmp_path=tmp_path)
        assert revoked.returncode == 0, revoked.stderr
        # Another process revoked it: this one stops taking it once its brief cache lapses.
        for _ in range(100):
            if await status_of(hub, firm.key) == 401:
                break
            await asyncio.sleep(0.1)
        assert await status_of(hub, firm.key) == 401
        twice = await hub_cli(db_url, "apikey", "revoke", key_id, "--operator", "张三",
                              tmp_path=tmp_path)
        assert twice.returncode == 2 and "revoked already" in twice.stderr

        rotated = await hub_cli(db_url, "apikey", "rotate", spare.split("_")[1],
                                "--operator", "李四", tmp_path=tmp_path)
        assert rotated.returncode == 0, rotated.stderr
        assert await status_of(hub, rotated.stdout.strip()) == 200
        assert await status_of(hub, spare) == 401  # never used here: not cached, refused at once
        assert await logged(hub, key_id) == [("api_key.created", "cli"),
                                             ("api_key.revoked", "cli:张三")]
        missing = await hub_cli(db_url, "apikey", "rotate", "nosuchkey", "--operator", "李四",
                                tmp_path=tmp_path)
        assert missing.returncode == 2 and "nosuchkey" in missing.stderr
    finally:
        await hub.runtime.stop()

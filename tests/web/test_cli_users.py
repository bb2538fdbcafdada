"""`hub user create` and `disable`: a firm's user from the command line, password from stdin,
who can then sign in until disabled; a bank gets none."""

from __future__ import annotations

from typing import Any

from tests.cli import hub_cli
from tests.e2e.conftest import new_uscc, start_hub
from tests.web.conftest import PASSWORD, WebClient


async def test_a_user_made_on_the_command_line_signs_in(sqlite_url: str, tmp_path: Any) -> None:
    assert (await hub_cli(sqlite_url, "migrate", tmp_path=tmp_path)).returncode == 0
    firm = (await hub_cli(sqlite_url, "org", "create", "--kind", "firm",
                          "--name", "信达会计师事务所", "--uscc", new_uscc(),
                          tmp_path=tmp_path)).stdout.strip()
    bank = (await hub_cli(sqlite_url, "org", "create", "--kind", "bank", "--name", "示范银行",
                          "--uscc", new_uscc(), tmp_path=tmp_path)).stdout.strip()
    made = await hub_cli(sqlite_url, "user", "create", "--org", firm,
                         "--email", "li.na@xinda-cpa.cn", "--name", "李娜", "--role", "auditor",
                         "--password-stdin",
                         tmp_path=tmp_path, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert PASSWORD not in made.stdout + made.stderr
    refused = await hub_cli(sqlite_url, "user", "create", "--org", bank, "--email", "a@bank.cn",
                            "--name", "A", "--role", "auditor", "--password-stdin",
                            tmp_path=tmp_path, stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "only firms" in refused.stderr

    hub = await start_hub(sqlite_url, "embedded://", tmp_path, letter_signing="off")
    browser = WebClient(hub.base)
    try:
        resp, _ = await browser.sign_in("li.na@xinda-cpa.cn")
        assert resp.status == 303
        resp, body = await browser.get("/web/")
        assert resp.status == 200 and "李娜" in body
        gone = await hub_cli(sqlite_url, "user", "disable", "--email", "li.na@xinda-cpa.cn",
                             tmp_path=tmp_path)
        assert gone.returncode == 0, gone.stderr
        resp, _ = await browser.get("/web/")
        assert resp.status == 303  # signed out at once
    finally:
        await browser.close()
        await hub.runtime.stop()

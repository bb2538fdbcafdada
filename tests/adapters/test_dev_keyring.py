"""The development keyring shared by several worker processes: first use makes one PKI and
one certificate per organisation, and every process can sign with it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """
import asyncio, sys
from pathlib import Path
from adapters.pdf_letters import DevKeyring

async def main():
    go = Path(sys.argv[2])
    while not go.exists():  # all start at once
        await asyncio.sleep(0.001)
    keyring = DevKeyring(Path(sys.argv[1]))
    store, alias = await keyring.key_for("same-org", "同一家会计师事务所")
    signer = await store.signer(alias)
    print(alias, (await store.certificate(alias)).subject.human_friendly)

asyncio.run(main())
"""


@pytest.mark.parametrize("round_", range(3))
def test_workers_starting_together_share_one_pki_and_one_certificate(
        tmp_path: Path, round_: int) -> None:
    pki, go = tmp_path / "pki", tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(pki), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(6)]
    time.sleep(1.5)  # every interpreter is up and waiting
    go.touch()
    outputs = [w.communicate(timeout=120) for w in workers]

    assert [w.returncode for w in workers] == [0] * 6, [err[-300:] for _, err in outputs]
    assert len({out.splitlines()[-1] for out, _ in outputs}) == 1  # one certificate
    alias = outputs[0][0].splitlines()[-1].split()[0]
    assert alias.startswith("org-same-org-")
    assert sorted(p.name for p in (pki / "leaf").glob("org-same-org*")) == [
        f"{alias}.cert.pem", f"{alias}.chain.pem", f"{alias}.key.pem"]

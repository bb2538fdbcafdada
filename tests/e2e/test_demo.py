"""The README's first command: `hub demo` on the embedded default, run to the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_answers_every_letter_with_the_seeded_differences_and_exits_0(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "--data-dir", str(tmp_path), "demo", "--once"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=400,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split()[1]: line.split() for line in done.stdout.splitlines()
            if line.startswith("DEMO-")}
    assert set(rows) == {"bank_format1", "bank_format2", "bank_capital", "company_receivable",
                         "company_payable"}
    # status, exceptions, reply due, letter signatures (2 valid), reply signature (1 valid)
    assert rows["bank_format1"][2:4] == ["verified", "1"]
    assert rows["bank_format2"][2:4] == ["verified", "1"]
    assert rows["bank_capital"][2:4] == ["verified", "0"]
    # the company's contact answered through the portal: agreed, and one figure differing
    assert rows["company_receivable"][2:4] == ["verified", "0"]
    assert rows["company_payable"][2:4] == ["verified", "1"]
    assert "owed_to_you: 账面 734260.50 / 回函 734000.00 (差额 -260.50)" in done.stdout
    assert done.stdout.count("balance: 账面 136852.40 / 回函 136800.00 (差额 -52.40)") == 2
    assert "hash chain intact" in done.stdout
    assert "5 of 5 verify offline" in done.stdout  # the evidence bundles
    letters = sorted((tmp_path / "demo").rglob("DEMO-*.pdf"))
    replies = sorted((tmp_path / "demo").rglob("回函-DEMO-*.pdf"))
    assert len(letters) == 5 and len(replies) == 5
    assert len(sorted((tmp_path / "demo").rglob("底稿-DEMO-*.pdf"))) == 5
    assert len(sorted((tmp_path / "demo").rglob("mail/*.eml"))) == 4  # 2 links, 2 codes
    assert all(p.read_bytes().startswith(b"%PDF") for p in letters + replies)
    assert "Traceback" not in done.stderr

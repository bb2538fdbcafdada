"""The README's first command: `hub demo` on the embedded default, run to the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_makes_five_signed_letters_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "--data-dir", str(tmp_path), "demo", "--once"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("DEMO-")]
    assert len(rows) == 5
    assert all("dispatched" in r and "2 valid" in r for r in rows)
    assert "hash chain intact" in done.stdout
    letters = sorted((tmp_path / "demo").rglob("DEMO-*.pdf"))
    assert len(letters) == 5 and all(p.read_bytes().startswith(b"%PDF") for p in letters)
    assert "Traceback" not in done.stderr

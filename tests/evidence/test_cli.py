"""`hub verify bundle.zip` as an auditor runs it, years later, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.evidence.conftest import Evidence, entries, rezip


def hub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATA_DIR": str(cwd), "HUB_LOG_LEVEL": "warning"}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, text=True,
                          capture_output=True, timeout=120, cwd=cwd)


def test_verify_passes_a_good_bundle_and_names_the_file_of_an_altered_one(
    evidence: Evidence, tmp_path: Path
) -> None:
    good = tmp_path / "bundle.zip"
    good.write_bytes(evidence.bundle)
    ok = hub("verify", str(good), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "通过 / VALID" in ok.stdout and "letter.pdf" in ok.stdout

    items = [(n, c + b"\n" if n == "reply.json" else c) for n, c in entries(evidence.bundle)]
    bad = tmp_path / "altered.ZIP"
    bad.write_bytes(rezip(items))
    altered = hub("verify", str(bad), cwd=tmp_path)
    assert altered.returncode == 1, altered.stdout + altered.stderr
    assert "未通过 / NOT VALID" in altered.stdout
    assert "- reply.json: " in altered.stdout

    truncated = tmp_path / "cut.zip"
    truncated.write_bytes(evidence.bundle[: len(evidence.bundle) // 2])
    cut = hub("verify", str(truncated), cwd=tmp_path)
    assert cut.returncode == 1 and "- cut.zip: " in cut.stdout


def test_a_bundle_is_checked_against_its_own_trust_anchor_only(
    evidence: Evidence, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(evidence.bundle)
    refused = hub("verify", str(bundle), "--trust", str(bundle), cwd=tmp_path)
    assert refused.returncode == 2 and "--trust" in refused.stderr

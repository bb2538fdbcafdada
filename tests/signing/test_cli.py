"""`hub pki init` and `hub verify` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from signing import Level, LocalTimeStamper, async_sign_pdf
from tests.signing.conftest import Dev


def hub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATA_DIR": str(cwd), "HUB_LOG_LEVEL": "warning"}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, text=True,
                          capture_output=True, timeout=120)


def test_pki_init_makes_the_pki_once_and_keeps_its_keys(tmp_path: Path) -> None:
    first = hub("pki", "init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    keys = sorted((tmp_path / "pki").rglob("*.key*"))
    assert keys, "no keys were written"
    before = {k: k.read_bytes() for k in keys}
    assert hub("pki", "init", cwd=tmp_path).returncode == 0
    assert {k: k.read_bytes() for k in keys} == before


async def test_verify_passes_a_signed_letter_and_fails_a_changed_one(
    dev: Dev, letter: bytes, tmp_path: Path
) -> None:
    signed = await async_sign_pdf(
        letter, signer=await dev.store.signer("firm"), level=Level.B_T,
        timestamper=LocalTimeStamper(dev.tsa), field_name="FirmSeal",
    )
    good = tmp_path / "letter.pdf"
    good.write_bytes(signed)
    ok = hub("verify", str(good), "--dir", str(dev.pki.directory), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "全部签名有效" in ok.stdout and "FirmSeal" in ok.stdout

    at = signed.index(b"1,234,567.89")
    bad = tmp_path / "changed.pdf"
    bad.write_bytes(signed[:at] + b"9" + signed[at + 1:])
    changed = hub("verify", str(bad), "--dir", str(dev.pki.directory), cwd=tmp_path)
    assert changed.returncode == 1
    assert "无效" in changed.stdout

    foreign_root = hub("pki", "init", "--dir", str(tmp_path / "other"), cwd=tmp_path)
    assert foreign_root.returncode == 0
    stranger = next((tmp_path / "other" / "ca").glob("root*.pem"))
    untrusted = hub("verify", str(good), "--trust", str(stranger), cwd=tmp_path)
    assert untrusted.returncode == 1

    missing = hub("verify", str(tmp_path / "nope.pdf"), cwd=tmp_path)
    assert missing.returncode == 2 and "file" in missing.stderr

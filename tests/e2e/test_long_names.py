"""Real legal names up to 200 characters: the letter is made, signed and verifies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Any

from signing import devpki, validate_pdf
from tests.e2e.conftest import Firm, Hub, new_uscc
from tests.e2e.test_letter_pdf import authorised_letter
from tests.signing.conftest import make_pdfsig

# 200 characters each, far past the 64 bytes (about 21 Chinese characters) of an X.509 CN.
CLIENT = ("北京" + "堃喆昇新能源电子信息科技研发" * 14)[:196] + "有限公司"
FIRM = ("上海" + "信达立诚联合会计师事务所分所" * 14)[:192] + "（特殊普通合伙）"


async def long_named_firm(hub: Hub) -> Firm:
    firm_id, _ = await hub.org("firm", FIRM)
    key = await hub.key(firm_id, "auditor")
    bank = await hub.responder("bank", "中国示范银行北京分行")
    counterparty = await hub.responder("company", "北京示例贸易有限公司")
    async with hub.client(key) as http:
        resp = await http.post("/api/v1/engagements", json={
            "name": "2025年度审计", "client": {"name": CLIENT, "uscc": new_uscc("110105")},
            "period_start": "2025-01-01", "period_end": "2025-12-31"})
        assert resp.status == 201, await resp.text()
        engagement_id = (await resp.json())["id"]
    return Firm(hub, firm_id, key, engagement_id, bank, counterparty)


async def test_a_200_character_client_and_firm_name_sign_and_verify(
    hub: Hub, tmp_path: Any
) -> None:
    assert len(CLIENT) == len(FIRM) == 200
    firm = await long_named_firm(hub)
    _, _, pdf = await authorised_letter(hub, firm)

    pki = devpki.load(hub.container.settings.data_dir / "pki")
    report = await validate_pdf(pdf, trust_roots=pki.trust_roots(), allow_fetching=False,
                                crls=pki.crls())
    assert report.ok, [p.message for s in report.signatures for p in s.problems]
    client, firm_seal = report.signatures
    # The CN is shortened within its bound, but still names the signer and its seal; the
    # full legal name is in the subject too.
    assert "CN=北京堃喆昇新能源电子信息科技研发…电子签章" in client.signer
    assert "CN=上海信达立诚" in firm_seal.signer and "…电子签章" in firm_seal.signer
    assert CLIENT in client.signer and FIRM in firm_seal.signer

    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    seen = make_pdfsig(pki.certificate_path(devpki.ROOT), tmp_path)(pdf)
    assert all(e.signature == "Signature is Valid." for e in seen), seen
    assert all(e.certificate == "Certificate is Trusted." for e in seen), seen
    verified = subprocess.run([sys.executable, "-m", "hub.cli", "verify", str(path),
                               "--dir", str(pki.directory), "--offline"],
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert CLIENT in "".join(text.split())  # the full legal name, on the letter itself

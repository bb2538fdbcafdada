"""The real letter stage: the rendered Chinese letter, signed by the audited entity and the firm."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from typing import Any

from signing import devpki, validate_pdf
from tests.e2e.conftest import Hub, make_firm
from tests.e2e.test_letters import client_signer, submitted, wait_status


async def test_an_authorised_letter_is_rendered_signed_twice_and_validates(
    hub: Hub, tmp_path: Any
) -> None:
    firm = await make_firm(hub)
    c = await submitted(firm)
    await wait_status(firm, c["id"], "awaiting_authorisation")
    async with hub.client(await client_signer(firm)) as http:
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/authorization")
        assert resp.status == 200, await resp.text()
    ready = await wait_status(firm, c["id"], "letter_ready", within=60)
    assert ready["status"] == "letter_ready", ready
    async with hub.client(firm.key) as http:
        pdf = await (await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")).read()
    assert hashlib.sha256(pdf).hexdigest() == ready["letter_sha256"]

    pki = devpki.load(hub.container.settings.data_dir / "pki")
    report = await validate_pdf(pdf, trust_roots=pki.trust_roots(), allow_fetching=False,
                                crls=pki.crls())
    assert [s.field_name for s in report.signatures] == ["ClientAuthorisation", "FirmSeal"]
    assert report.ok, [p.message for s in report.signatures for p in s.problems]
    client, firm_seal = report.signatures
    assert "北京堃喆昇科技有限公司" in client.signer  # the audited entity signed first
    assert "信达会计师事务所" in firm_seal.signer
    assert all(s.timestamp is not None for s in report.signatures)
    assert report.signatures[-1].pades_level in ("B-LT", "B-LTA")  # the settings default
    async with hub.client(None) as http:  # the CRLs are public, for any relying party
        crl = await http.get("/pki/crl/intermediate-ca.crl")
        assert crl.status == 200 and await crl.read() == pki.crls()[1]

    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        letter = c["letter"]
        assert letter["letter_number"] in text and letter["as_of_date"] in text
        assert "北京堃喆昇科技有限公司" in text

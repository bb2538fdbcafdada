"""The real letter stage: the rendered Chinese letter, signed by the audited entity and the firm."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from typing import Any

from aiohttp import web

from signing import TimeStampAuthority, create_pki_app, devpki, validate_pdf
from tests.conftest import free_port
from tests.e2e.conftest import Firm, Hub, make_firm, start_hub
from tests.e2e.test_letters import client_signer, submitted, wait_status
from tests.signing.conftest import make_pdfsig


async def authorised_letter(hub: Hub, firm: Firm | None = None
                            ) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """Submit a 格式一 letter of `firm` (a new one by default), authorise it as the audited
    entity, wait for the signed PDF: (the submitted confirmation, the dispatched one, the PDF)."""
    firm = firm or await make_firm(hub)
    c = await submitted(firm)
    await wait_status(firm, c["id"], "awaiting_authorisation")
    async with hub.client(await client_signer(firm)) as http:
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/authorization")
        assert resp.status == 200, await resp.text()
    ready = await wait_status(firm, c["id"], "dispatched", within=60)
    assert ready["status"] == "dispatched", ready
    async with hub.client(firm.key) as http:
        pdf = await (await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")).read()
    return c, ready, pdf


async def test_an_authorised_letter_is_rendered_signed_twice_and_validates(
    hub: Hub, tmp_path: Any
) -> None:
    c, ready, pdf = await authorised_letter(hub)
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
    # The independent validator: poppler's pdfsig, trusting only the hub's development root.
    seen = make_pdfsig(pki.certificate_path(devpki.ROOT), tmp_path)(pdf)
    assert [e.field for e in seen] == ["ClientAuthorisation", "FirmSeal"]
    assert all(e.signature == "Signature is Valid." for e in seen), seen
    assert all(e.certificate == "Certificate is Trusted." for e in seen), seen
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        letter = c["letter"]
        assert letter["letter_number"] in text and letter["as_of_date"] in text
        assert "北京堃喆昇科技有限公司" in text


async def test_letters_can_be_stamped_by_an_external_tsa(
    stack: tuple[str, str], tmp_path: Any
) -> None:
    """tsa_url: the signatures' time-stamps come from an RFC 3161 server over HTTP."""
    port = free_port()
    pki = devpki.init(tmp_path / "pki", base_url=f"http://127.0.0.1:{port}/pki")
    authority = await TimeStampAuthority.from_key_store(pki.key_store(), "tsa")
    asked = []

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        asked.append(request.path)
        return await handler(request)

    app = web.Application(middlewares=[count])
    app.add_subapp("/pki", create_pki_app(pki, tsa=authority))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    hub = await start_hub(*stack, tmp_path, tsa_url=f"http://127.0.0.1:{port}/pki/tsa")
    try:
        _, _, pdf = await authorised_letter(hub)
    finally:
        await hub.runtime.stop()
        await runner.cleanup()
    assert asked.count("/pki/tsa") >= 2  # one time-stamp per signature, from that server
    report = await validate_pdf(pdf, trust_roots=pki.trust_roots(), allow_fetching=False,
                                crls=pki.crls())
    assert report.ok and all(s.timestamp is not None for s in report.signatures)

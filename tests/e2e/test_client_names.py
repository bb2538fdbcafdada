"""Two firms name one audited entity (one 统一社会信用代码) differently: each firm's letters,
the bank's inbox and the client's signing certificate carry that firm's name, and both see a
warning, never the other's name."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from signing import devpki, validate_pdf
from tests.e2e.conftest import Firm, Hub, make_firm, new_uscc
from tests.e2e.test_letters import submit_authorised, wait_status

FIRST = "北京甲乙丙科技有限公司"
SECOND = "北京甲乙丙科技股份有限公司"


async def letter_of(firm: Firm) -> tuple[dict[str, Any], bytes]:
    c = await submit_authorised(firm, firm.letter("bank_format1"))
    done = await wait_status(firm, c["id"], "dispatched", within=60)
    assert done["status"] == "dispatched", done
    async with firm.hub.client(firm.key) as http:
        return done, await (await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")).read()


async def test_each_firm_letters_carry_its_own_name_for_a_shared_client(
    hub: Hub, tmp_path: Any
) -> None:
    uscc = new_uscc("110105")
    first = await make_firm(hub, client=(FIRST, uscc))
    second = await make_firm(hub, client=(SECOND, uscc))

    for firm, mine in ((first, FIRST), (second, SECOND)):
        async with hub.client(firm.key) as http:
            e = await (await http.get(f"/api/v1/engagements/{firm.engagement_id}")).json()
        assert e["client_name"] == mine
        assert e["client_name_warning"] and "不同的名称" in e["client_name_warning"]
        assert FIRST not in e["client_name_warning"] and SECOND not in e["client_name_warning"]

    pki = devpki.load(hub.container.settings.data_dir / "pki")
    for firm, mine, theirs in ((first, FIRST, SECOND), (second, SECOND, FIRST)):
        c, pdf = await letter_of(firm)
        report = await validate_pdf(pdf, trust_roots=pki.trust_roots(), allow_fetching=False,
                                    crls=pki.crls())
        assert report.ok, [p.message for s in report.signatures for p in s.problems]
        client_sig = report.signatures[0]
        assert f"O={mine}," in client_sig.signer and theirs not in client_sig.signer
        if shutil.which("pdftotext"):
            path = tmp_path / f"{c['id']}.pdf"
            path.write_bytes(pdf)
            text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                          text=True, check=True).stdout.split())
            assert mine in text and theirs not in text
        operator = await hub.key(firm.bank[0], "bank_operator")
        async with hub.client(operator) as http:
            item = await (await http.get(f"/api/v1/inbox/{c['id']}")).json()
            listed = await (await http.get("/api/v1/inbox")).json()
        assert item["customer"] == {"name": mine, "uscc": uscc}
        assert [i["customer"]["name"] for i in listed["items"] if i["id"] == c["id"]] == [mine]


async def test_a_client_named_alike_by_every_firm_has_no_warning(hub: Hub) -> None:
    uscc = new_uscc("110105")
    for _ in range(2):
        firm = await make_firm(hub, client=(FIRST, uscc))
        async with hub.client(firm.key) as http:
            e = await (await http.get(f"/api/v1/engagements/{firm.engagement_id}")).json()
        assert e["client_name"] == FIRST and e["client_name_warning"] is None

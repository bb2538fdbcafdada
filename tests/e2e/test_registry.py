"""The responder registry through the API: four-eyes verification, routing, versions, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.cli.seeding import operator_id
from tests.e2e.conftest import Firm, Hub, new_uscc

PROBLEM = "application/problem+json"


def certificate_pem(common_name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


async def admins(hub: Hub) -> tuple[str, str]:
    """Two admin keys of the hub operator (one registers, the other verifies)."""
    org = await operator_id(hub.container)
    return await hub.key(org, "admin"), await hub.key(org, "admin")


def bank_entry(**changes: Any) -> dict[str, Any]:
    body = {"kind": "bank", "name": "京华商业银行股份有限公司北京分行", "uscc": new_uscc(),
            "bank_code": "313100000013", "reply_scope": "本分行及辖属支行",
            "channel": "bank_api_pull",
            "contacts": [{"name": "赵敏", "email": "confirm@jinghua.example.cn"}]}
    body.update(changes)
    return body


async def test_an_entry_is_routable_only_after_another_admin_verifies_it(firm: Firm) -> None:
    hub = firm.hub
    maker, checker = await admins(hub)
    pem = certificate_pem("京华银行回函专用")
    entry = bank_entry(certificates=[pem])
    async with hub.client(maker) as http:
        resp = await http.post("/api/v1/responders", json=entry)
        assert resp.status == 201, await resp.text()
        made = await resp.json()
        assert made["status"] == "pending" and made["version"] == 1
        assert len(made["certificates"]) == 1 and "pem" not in made["certificates"][0]
        own = await http.post(f"/api/v1/responders/{made['id']}/verify", json={"version": 1})
        assert own.status == 403 and own.content_type == PROBLEM  # not by its own maker

    letter = firm.letter("bank_format1")
    letter["letter"]["responder"]["uscc"] = entry["uscc"]
    async with hub.client(firm.key) as http:
        refused = await http.post("/api/v1/confirmations", json=letter)
        problem = await refused.json()
    assert refused.status == 422
    assert problem["errors"][0]["field"] == "/letter/responder/uscc"
    assert "not verified" in problem["detail"]

    async with hub.client(checker) as http:
        resp = await http.post(f"/api/v1/responders/{made['id']}/verify", json={"version": 1})
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["status"] == "verified"
    async with hub.client(firm.key) as http:
        accepted = await http.post("/api/v1/confirmations", json=letter)
        assert accepted.status == 201, await accepted.text()


async def test_a_routing_change_needs_a_new_verification_and_is_in_the_versions(
        firm: Firm) -> None:
    hub = firm.hub
    maker, checker = await admins(hub)
    async with hub.client(maker) as http:
        made = await (await http.post("/api/v1/responders", json=bank_entry())).json()
    async with hub.client(checker) as http:
        await http.post(f"/api/v1/responders/{made['id']}/verify", json={"version": 1})
    async with hub.client(maker) as http:
        stale = await http.patch(f"/api/v1/responders/{made['id']}",
                                 json={"version": 1, "name": "新名称"})
        assert stale.status == 409  # the entry is at version 2 now
        renamed = await (await http.patch(f"/api/v1/responders/{made['id']}",
                                          json={"version": 2, "name": "京华银行北京分行"})).json()
        assert renamed["status"] == "verified"  # a name is not where letters go
        moved = await http.patch(f"/api/v1/responders/{made['id']}", json={
            "version": 3, "channel": "bank_api_push",
            "endpoint": "https://confirm.jinghua.example.cn/letters"})
        assert moved.status == 200, await moved.text()
        assert (await moved.json())["status"] == "pending"
        versions = (await (await http.get(
            f"/api/v1/responders/{made['id']}/versions")).json())["items"]
    assert [v["action"] for v in versions] == ["registered", "verified", "changed", "changed"]
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert versions[2]["changes"] == {"name": [bank_entry()["name"], "京华银行北京分行"]}
    assert versions[3]["changes"]["endpoint"] == [
        None, "https://confirm.jinghua.example.cn/letters"]
    assert versions[3]["changes"]["status"] == ["verified", "pending"]
    assert {v["actor"] for v in versions} == {f"admin:{maker.split('_')[1]}",
                                               f"admin:{checker.split('_')[1]}"}


async def test_a_retired_entry_takes_no_letters(firm: Firm) -> None:
    hub = firm.hub
    maker, _ = await admins(hub)
    _, bank_uscc = firm.bank
    async with hub.client(maker) as http:
        found = (await (await http.get("/api/v1/responders", params={"q": bank_uscc})).json())
        entry = found["items"][0]
        resp = await http.post(f"/api/v1/responders/{entry['id']}/retire",
                               json={"version": entry["version"], "reason": "网点撤并"})
        assert resp.status == 200 and (await resp.json())["status"] == "retired"
    async with hub.client(firm.key) as http:
        refused = await http.post("/api/v1/confirmations", json=firm.letter("bank_format2"))
        problem = await refused.json()
    assert refused.status == 422 and "retired" in problem["detail"]


async def test_firms_search_verified_entries_and_may_not_change_them(firm: Firm) -> None:
    hub = firm.hub
    maker, _ = await admins(hub)
    async with hub.client(maker) as http:
        pending = await (await http.post("/api/v1/responders", json=bank_entry(
            name="仅登记未核验银行"))).json()
    async with hub.client(firm.key) as http:
        by_name = (await (await http.get("/api/v1/responders",
                                         params={"q": "示范银行"})).json())["items"]
        hidden = (await (await http.get("/api/v1/responders",
                                        params={"q": "仅登记未核验"})).json())["items"]
        wildcard = (await (await http.get("/api/v1/responders", params={"q": "%"})).json())
        forbidden = await http.post("/api/v1/responders", json=bank_entry())
        bad_kind = await http.get("/api/v1/responders", params={"kind": "fund"})
    assert [r["uscc"] for r in by_name] == [firm.bank[1]]
    assert by_name[0]["status"] == "verified" and by_name[0]["channel"] == "bank_api_pull"
    assert hidden == [] and pending["status"] == "pending"
    assert wildcard["items"] == []  # % is a character to look for, not a wildcard
    assert forbidden.status == 404
    assert bad_kind.status == 422 and (await bad_kind.json())["errors"][0]["field"] == "kind"


@pytest.mark.parametrize(("changes", "field"), [
    ({"bank_code": "31310000001"}, "/bank_code"),
    ({"channel": "portal"}, "/channel"),
    ({"channel": "bank_api_push"}, "/endpoint"),
    ({"channel": "bank_api_push", "endpoint": "http://bank.example.cn/x"}, "/endpoint"),
    ({"uscc": "91110000MA00BK7Q0A"}, "/uscc"),
    ({"certificates": [f"-----BEGIN CERTIFICATE-----\n{'A' * 200}\n-----END CERTIFICATE-----"]},
     "/certificates/0"),
    ({"contacts": [{"name": "赵敏", "email": "not-an-address"}]}, "/contacts/0/email"),
])
async def test_a_bad_entry_is_refused_naming_the_field(
        hub: Hub, changes: dict[str, Any], field: str) -> None:
    maker, _ = await admins(hub)
    async with hub.client(maker) as http:
        resp = await http.post("/api/v1/responders", json=bank_entry(**changes))
        problem = await resp.json()
        assert resp.status == 422, problem
        assert field in [e["field"] for e in problem["errors"]]
        listed = (await (await http.get("/api/v1/responders")).json())["items"]
    assert listed == []  # nothing was written


async def test_the_same_uscc_cannot_be_registered_twice(hub: Hub) -> None:
    maker, _ = await admins(hub)
    entry = bank_entry()
    async with hub.client(maker) as http:
        assert (await http.post("/api/v1/responders", json=entry)).status == 201
        again = await http.post("/api/v1/responders", json={**entry, "name": "别名"})
    assert again.status == 409 and (await again.json())["errors"][0]["field"] == "/uscc"


async def test_an_engagement_that_overrides_a_registered_address_warns_on_its_letters(
        firm: Firm) -> None:
    hub = firm.hub
    async with hub.client(firm.key) as http:
        resp = await http.post("/api/v1/engagements", json={
            "name": "地址变更项目",
            "client": {"name": "北京堃喆昇科技有限公司", "uscc": new_uscc()},
            "period_start": "2025-01-01", "period_end": "2025-12-31",
            "responder_overrides": [{
                "uscc": firm.bank[1], "reason": "客户提供的支行联系人",
                "contact": {"name": "王经理", "email": "wang@client-said.example.com"}}],
        })
        assert resp.status == 201, await resp.text()
        overridden = (await resp.json())["id"]
        warned = await (await http.post("/api/v1/confirmations", json={
            **firm.letter("bank_format1"), "engagement_id": overridden})).json()
        plain = await (await http.post("/api/v1/confirmations",
                                       json=firm.letter("bank_format1"))).json()
    assert plain["warnings"] == []
    assert len(warned["warnings"]) == 1
    assert "函证地址与登记地址不一致" in warned["warnings"][0]
    assert "wang@client-said.example.com" in warned["warnings"][0]

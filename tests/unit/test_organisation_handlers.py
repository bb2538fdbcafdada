"""Organisations and engagements on fakes: a 统一社会信用代码 is registered once, bad input
names its field, a firm's name for its client is that firm's record."""

from __future__ import annotations

import pytest

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, ValidationFailed
from hub.domain.model import Engagement, Organisation, OrgKind
from hub.domain.uscc import make_uscc
from tests.unit.fakes import World, world

USCC = make_uscc("91440300000000123")


@pytest.fixture
def w() -> World:
    return world()


async def test_an_organisation_is_registered_once_per_uscc(w: World) -> None:
    org: Organisation = await w.hub.handle(commands.CreateOrganisation(
        kind="bank", name=" 深圳示范银行 ", uscc=USCC))
    assert (org.kind, org.name) == (OrgKind.BANK, "深圳示范银行")
    (created,) = w.db.events_of(events.OrganisationCreated)
    assert (created.org_id, created.uscc) == (org.id, USCC)
    with pytest.raises(Conflict) as taken:
        await w.hub.handle(commands.CreateOrganisation(kind="company", name="另一家",
                                                       uscc=USCC))
    assert taken.value.field == "uscc" and len(w.db.organisations) == 4


@pytest.mark.parametrize(("kind", "uscc", "field"), [
    ("insurer", USCC, "kind"),
    ("bank", USCC[:-1] + ("0" if USCC[-1] != "0" else "1"), "uscc"),  # a wrong check digit
    ("bank", "1234", "uscc"),
])
async def test_a_bad_organisation_names_its_field_and_changes_nothing(
        w: World, kind: str, uscc: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await w.hub.handle(commands.CreateOrganisation(kind=kind, name="某机构", uscc=uscc))
    assert refused.value.field == field
    assert len(w.db.organisations) == 3 and not w.db.events


async def engagement(w: World, client_name: str, client_uscc: str) -> Engagement:
    e: Engagement = await w.hub.handle(commands.CreateEngagement(
        caller=w.auditor, name="2025 年报审计", client_name=client_name,
        client_uscc=client_uscc, period_start=w.engagement.period_start,
        period_end=w.engagement.period_end))
    return e


async def test_a_firms_name_for_a_known_client_is_its_own_and_flagged_when_it_differs(
        w: World) -> None:
    same = await engagement(w, w.client.name, w.client.uscc)
    other = await engagement(w, " 上海示例制造股份有限公司 ", w.client.uscc)
    assert (same.client_org_id, other.client_org_id) == (w.client.id, w.client.id)
    assert not same.client_name_disputed
    assert other.client_name == "上海示例制造股份有限公司" and other.client_name_disputed
    assert w.db.organisations[w.client.id].name == "上海示例制造有限公司"  # not overwritten
    assert w.db.event_names() == ["engagement.created", "engagement.created"]


async def test_only_a_firm_audits_and_only_a_company_is_audited(w: World) -> None:
    with pytest.raises(Forbidden):
        await w.hub.handle(commands.CreateEngagement(
            caller=w.teller, name="x", client_name=w.client.name, client_uscc=w.client.uscc,
            period_start=w.engagement.period_start, period_end=w.engagement.period_end))
    with pytest.raises(ValidationFailed) as bank:
        await engagement(w, w.bank.name, w.bank.uscc)
    assert bank.value.field == "/client/uscc"
    assert len(w.db.engagements) == 1 and not w.db.events

"""Use cases: organisations (firms, banks, companies) and their engagements."""

from __future__ import annotations

import structlog

from hub.domain import commands, events
from hub.domain.errors import Conflict, ValidationFailed
from hub.domain.model import Engagement, Organisation, OrgKind
from hub.domain.uscc import validate_uscc
from hub.ports import UnitOfWork
from hub.services.deps import CommandHandler, Deps, new_id, require_firm

log = structlog.get_logger(__name__)


async def create_organisation(
    cmd: commands.CreateOrganisation, uow: UnitOfWork, deps: Deps
) -> Organisation:
    try:
        kind = OrgKind(cmd.kind)
    except ValueError as e:
        raise ValidationFailed(f"unknown organisation kind {cmd.kind!r}", field="kind") from e
    validate_uscc(cmd.uscc, field="uscc")
    if await uow.organisations.by_uscc(cmd.uscc):
        raise Conflict(f"an organisation with 统一社会信用代码 {cmd.uscc} exists", field="uscc")
    org = Organisation(
        id=new_id(), kind=kind, name=cmd.name.strip(), uscc=cmd.uscc, created_at=deps.clock.now()
    )
    await uow.organisations.add(org)
    uow.record(
        events.OrganisationCreated(
            at=org.created_at, actor=cmd.actor, org_id=org.id, kind=kind.value,
            org_name=org.name, uscc=org.uscc,
        )
    )
    return org


async def create_engagement(
    cmd: commands.CreateEngagement, uow: UnitOfWork, deps: Deps
) -> Engagement:
    require_firm(cmd.caller)
    validate_uscc(cmd.client_uscc, field="/client/uscc")
    client = await uow.organisations.by_uscc(cmd.client_uscc)
    now = deps.clock.now()
    if client is None:
        client = Organisation(
            id=new_id(), kind=OrgKind.COMPANY, name=cmd.client_name.strip(),
            uscc=cmd.client_uscc, created_at=now,
        )
        await uow.organisations.add(client)
        uow.record(
            events.OrganisationCreated(
                at=now, actor=cmd.caller.actor, org_id=client.id, kind=client.kind.value,
                org_name=client.name, uscc=client.uscc,
            )
        )
    elif client.kind is not OrgKind.COMPANY:
        raise ValidationFailed(
            f"统一社会信用代码 {cmd.client_uscc} belongs to a {client.kind.value}, "
            "not to a company that can be audited",
            field="/client/uscc",
        )
    typed = cmd.client_name.strip()
    engagement = Engagement(
        id=new_id(), firm_org_id=cmd.caller.org_id, client_org_id=client.id,
        client_name=typed, client_name_disputed=client.name != typed,
        name=cmd.name.strip(), period_start=cmd.period_start, period_end=cmd.period_end,
        created_at=now, reference=cmd.reference,
        second_request_days=tuple(cmd.second_request_days),
        responder_overrides=tuple(cmd.responder_overrides),
    )
    await uow.engagements.add(engagement)
    uow.record(
        events.EngagementCreated(
            at=now, actor=cmd.caller.actor, engagement_id=engagement.id,
            firm_org_id=engagement.firm_org_id, client_org_id=client.id,
        )
    )
    return engagement


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.CreateOrganisation: create_organisation,
    commands.CreateEngagement: create_engagement,
}

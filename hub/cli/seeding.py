"""Seeding a hub for the demo, benchmarks and tests: verified registry entries via the bus."""

from __future__ import annotations

from typing import Any

from hub.domain.commands import CreateOrganisation, RegisterResponder, VerifyResponder
from hub.domain.model import Caller, OrgKind, Role
from hub.domain.responders import Responder
from hub.domain.uscc import make_uscc

OPERATOR = ("operator", "电子函证中心运营方", make_uscc("91310000MA1QP0HUB"))
"""The organisation the seeding admins act for."""


async def operator_id(container: Any) -> str:
    return await organisation(container, *OPERATOR)


async def organisation(container: Any, kind: str, name: str, uscc: str) -> str:
    """The id of the organisation with `uscc`, made (as `kind`, `name`) if there is none."""
    async with container.uow_factory() as uow:
        existing = await uow.organisations.by_uscc(uscc)
    if existing is not None:
        return str(existing.id)
    org = await container.bus.handle(CreateOrganisation(kind=kind, name=name, uscc=uscc))
    return str(org.id)


def admin_caller(org_id: str, name: str) -> Caller:
    return Caller(org_id=org_id, org_kind=OrgKind.OPERATOR, role=Role.ADMIN, key_id=name)


async def verified_responder(
    container: Any, *, kind: str, name: str, uscc: str, channel: str | None = None,
    bank_code: str | None = None, endpoint: str | None = None,
    contacts: tuple[dict[str, Any], ...] | None = None, certificates: tuple[str, ...] = (),
) -> Responder:
    """Register `uscc` in the responder registry and verify it (two seeding admins), or
    return its entry if it is registered and verified already.

    Banks default to the pull channel with a made-up bank code, companies to the portal with
    a contact at example.com.
    """
    async with container.uow_factory() as uow:
        existing = await uow.responders.by_uscc(uscc)
    if existing is not None and existing.routable:
        return existing
    operator = await operator_id(container)
    bank = kind == OrgKind.BANK.value
    entry: Responder = await container.bus.handle(RegisterResponder(
        caller=admin_caller(operator, "seed-registrar"), kind=kind, name=name, uscc=uscc,
        channel=channel or ("bank_api_pull" if bank else "portal"),
        bank_code=bank_code or ("313" + uscc[8:17].translate(_DIGITS) if bank else None),
        endpoint=endpoint,
        contacts=contacts if contacts is not None else (
            {"name": "函证联系人", "email": f"confirm-{uscc.lower()}@example.com"},),
        certificates=certificates,
    ))
    verified: Responder = await container.bus.handle(VerifyResponder(
        caller=admin_caller(operator, "seed-verifier"), responder_id=entry.id,
        version=entry.version))
    return verified


_DIGITS = str.maketrans({c: str(i % 10) for i, c in enumerate("ABCDEFGHJKLMNPQRTUWXY")})

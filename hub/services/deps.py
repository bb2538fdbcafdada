"""What every use case is given besides its unit of work, and the lookups they share."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.domain.calendar import WorkingDayCalendar
from hub.domain.errors import Forbidden, NotFound, ValidationFailed
from hub.domain.model import Caller, Confirmation
from hub.ports import (
    BlobStore,
    CertificateReader,
    Clock,
    LetterMaker,
    PortalReplyMaker,
    ReplyChecker,
    SecretBox,
    UnitOfWork,
    WorkpaperMaker,
)


@dataclass(frozen=True)
class Deps:
    """What handlers need besides the unit of work."""

    clock: Clock
    calendar: WorkingDayCalendar
    blobs: BlobStore
    letter_maker: LetterMaker
    certificate_reader: CertificateReader
    reply_checker: ReplyChecker
    workpaper_maker: WorkpaperMaker
    portal_reply_maker: PortalReplyMaker
    """Renders and seals company replies made on the portal (hub.services.portal)."""
    secret_box: SecretBox
    """Encrypts the webhook secrets the hub keeps."""
    authorisation_window_working_days: int = 10


def new_id() -> str:
    return str(uuid.uuid4())


async def client_name_of(uow: UnitOfWork, engagement_id: str, client_org_id: str) -> str:
    """The audited entity's name as the engagement's firm gave it (else its own record's)."""
    e = await uow.engagements.get(engagement_id, None)
    if e is not None and e.client_name:
        return e.client_name
    org = await uow.organisations.get(client_org_id)
    return org.name if org is not None else ""


def require_firm(caller: Caller) -> None:
    if not caller.is_firm:
        raise Forbidden("only a firm's firm_admin or auditor key may do this")


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as e:
        raise ValidationFailed(f"{value!r} is not an ISO 8601 date", field=field) from e


async def confirmation_of(uow: UnitOfWork, confirmation_id: str, *,
                          for_update: bool = False) -> Confirmation:
    """A confirmation the hub itself acts on (no caller's scope); NotFound if there is none."""
    c = await uow.confirmations.get(confirmation_id, None, for_update=for_update)
    if c is None:
        raise NotFound(f"confirmation {confirmation_id} does not exist")
    return c


CommandHandler = Callable[[Any, UnitOfWork, Deps], Awaitable[Any]]

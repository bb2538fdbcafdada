"""Command handlers: each does its work inside the unit of work it is given; the bus commits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import structlog

from hub.domain import commands, events
from hub.domain.calendar import WorkingDayCalendar
from hub.domain.errors import (
    Conflict,
    Forbidden,
    HubError,
    NotFound,
    TransientError,
    ValidationFailed,
)
from hub.domain.model import (
    ROLE_ORG_KINDS,
    SYSTEM_ACTOR,
    Caller,
    Confirmation,
    Engagement,
    LetterType,
    Mode,
    Organisation,
    OrgKind,
    Role,
)
from hub.domain.responders import Responder, require_routable
from hub.domain.uscc import validate_uscc
from hub.ports import (
    ApiKeyRecord,
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
from hub.services import apikeys

log = structlog.get_logger(__name__)


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


@dataclass(frozen=True)
class Submitted:
    confirmation: Confirmation
    replayed: bool


def _new_id() -> str:
    return str(uuid.uuid4())


async def client_name_of(uow: UnitOfWork, engagement_id: str, client_org_id: str) -> str:
    """The audited entity's name as the engagement's firm gave it (else its own record's)."""
    e = await uow.engagements.get(engagement_id, None)
    if e is not None and e.client_name:
        return e.client_name
    org = await uow.organisations.get(client_org_id)
    return org.name if org is not None else ""


def _require_firm(caller: Caller) -> None:
    if not caller.is_firm:
        raise Forbidden("only a firm's firm_admin or auditor key may do this")


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as e:
        raise ValidationFailed(f"{value!r} is not an ISO 8601 date", field=field) from e


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
        id=_new_id(), kind=kind, name=cmd.name.strip(), uscc=cmd.uscc, created_at=deps.clock.now()
    )
    await uow.organisations.add(org)
    uow.record(
        events.OrganisationCreated(
            at=org.created_at, actor=cmd.actor, org_id=org.id, kind=kind.value,
            org_name=org.name, uscc=org.uscc,
        )
    )
    return org


async def create_api_key(
    cmd: commands.CreateApiKey, uow: UnitOfWork, deps: Deps
) -> tuple[ApiKeyRecord, str]:
    try:
        role = Role(cmd.role)
    except ValueError as e:
        raise ValidationFailed(f"unknown role {cmd.role!r}", field="role") from e
    org = await uow.organisations.get(cmd.org_id)
    if org is None:
        raise NotFound(f"no organisation {cmd.org_id}", field="org")
    if org.kind not in ROLE_ORG_KINDS[role]:
        allowed = ", ".join(sorted(k.value for k in ROLE_ORG_KINDS[role]))
        raise ValidationFailed(
            f"role {role.value} belongs to a {allowed} organisation, not a {org.kind.value}",
            field="role",
        )
    key_id, full_key, secret_hash = apikeys.new_key()
    record = ApiKeyRecord(
        id=key_id, org_id=org.id, role=role, secret_hash=secret_hash, created_at=deps.clock.now()
    )
    await uow.api_keys.add(record)
    uow.record(
        events.ApiKeyCreated(
            at=record.created_at, actor=cmd.actor, key_id=key_id, org_id=org.id, role=role.value
        )
    )
    return record, full_key


async def create_engagement(
    cmd: commands.CreateEngagement, uow: UnitOfWork, deps: Deps
) -> Engagement:
    _require_firm(cmd.caller)
    validate_uscc(cmd.client_uscc, field="/client/uscc")
    client = await uow.organisations.by_uscc(cmd.client_uscc)
    now = deps.clock.now()
    if client is None:
        client = Organisation(
            id=_new_id(), kind=OrgKind.COMPANY, name=cmd.client_name.strip(),
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
        id=_new_id(), firm_org_id=cmd.caller.org_id, client_org_id=client.id,
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


def business_key(
    engagement_id: str, responder_org_id: str, as_of: date, letter_type: str, scope: str
) -> str:
    """The key that stops the same letter being sent twice (DESIGN: reliability rules)."""
    raw = "|".join((engagement_id, responder_org_id, as_of.isoformat(), letter_type, scope))
    return hashlib.sha256(raw.encode()).hexdigest()


async def submit_confirmation(
    cmd: commands.SubmitConfirmation, uow: UnitOfWork, deps: Deps
) -> Submitted:
    submitted = await _prepare_submission(cmd, uow, deps, _Lookups(uow))
    if not submitted.replayed:
        await uow.confirmations.add(submitted.confirmation)
    return submitted


async def submit_confirmations(
    cmds: Sequence[commands.SubmitConfirmation], uow: UnitOfWork, deps: Deps
) -> list[Submitted | HubError]:
    """Several submissions in one unit of work (group commit): each command's outcome, in order.

    A command refused by the domain (a bad field, another firm's engagement) gets its error and
    writes nothing; the others go on. The new confirmations are inserted together; if any of
    them collides with a unique key, Conflict is raised for the whole batch, and the caller
    rolls back and submits each alone, so that every command gets the answer it would have got
    on its own.
    """
    lookups = _Lookups(uow)
    outcomes: list[Submitted | HubError] = []
    for cmd in cmds:
        try:
            outcomes.append(await _prepare_submission(cmd, uow, deps, lookups))
        except TransientError:
            raise
        except HubError as e:
            outcomes.append(e)
    await uow.confirmations.add_all([
        o.confirmation for o in outcomes if isinstance(o, Submitted) and not o.replayed
    ])
    return outcomes


class _Lookups:
    """Engagements and registry entries read once per unit of work, however many submissions
    name them (a batch of a hundred letters usually names one engagement and a few banks)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._engagements: dict[tuple[str, Caller], Engagement | None] = {}
        self._responders: dict[str, Responder | None] = {}

    async def engagement(self, engagement_id: str, caller: Caller) -> Engagement | None:
        key = (engagement_id, caller)
        if key not in self._engagements:
            self._engagements[key] = await self._uow.engagements.get(engagement_id, caller)
        return self._engagements[key]

    async def responder(self, uscc: str) -> Responder | None:
        if uscc not in self._responders:
            self._responders[uscc] = await self._uow.responders.by_uscc(uscc)
        return self._responders[uscc]


async def _prepare_submission(
    cmd: commands.SubmitConfirmation, uow: UnitOfWork, deps: Deps, lookups: _Lookups
) -> Submitted:
    """Check one submission and build its confirmation (or find the one its key made)."""
    _require_firm(cmd.caller)
    caller = cmd.caller
    if cmd.idempotency_key:
        existing = await uow.confirmations.by_idempotency_key(caller.org_id, cmd.idempotency_key)
        if existing is not None:
            if existing.request_hash != cmd.request_hash:
                raise Conflict(
                    "this Idempotency-Key was used with a different body",
                    field="Idempotency-Key",
                )
            return Submitted(existing, replayed=True)
    engagement = await lookups.engagement(cmd.engagement_id, caller)
    if engagement is None:
        raise ValidationFailed(
            f"no engagement {cmd.engagement_id} of this firm", field="/engagement_id"
        )
    try:
        letter_type = LetterType(cmd.letter_type)
    except ValueError as e:
        raise ValidationFailed(
            f"unknown letter type {cmd.letter_type!r}", field="/letter_type"
        ) from e
    letter = cmd.letter
    mode = Mode(letter.get("mode", Mode.POSITIVE.value))
    responder_uscc = validate_uscc(
        letter.get("responder", {}).get("uscc", ""), field="/letter/responder/uscc"
    )
    entry = require_routable(await lookups.responder(responder_uscc), responder_uscc,
                             letter_type.responder_kind, "/letter/responder/uscc")
    if entry.org_id == engagement.client_org_id:
        raise ValidationFailed(
            "the responder cannot be the audited entity itself", field="/letter/responder/uscc"
        )
    as_of = _parse_date(letter.get("as_of_date", ""), "/letter/as_of_date")
    if cmd.parent_id is not None:
        parent = await uow.confirmations.get(cmd.parent_id, caller)
        if parent is None:
            raise ValidationFailed(f"no confirmation {cmd.parent_id}", field="/parent_id")
    now = deps.clock.now()
    confirmation = Confirmation.submit(
        actor=caller.actor,
        id=_new_id(),
        firm_org_id=caller.org_id,
        engagement_id=engagement.id,
        client_org_id=engagement.client_org_id,
        responder_org_id=entry.org_id,
        letter_type=letter_type,
        mode=mode,
        letter_number=letter["letter_number"],
        as_of_date=as_of,
        letter=letter,
        business_key=business_key(
            engagement.id, entry.org_id, as_of, letter_type.value, cmd.scope
        ),
        created_at=now,
        idempotency_key=cmd.idempotency_key,
        request_hash=cmd.request_hash,
        scope=cmd.scope,
        parent_id=cmd.parent_id,
        amounts=list(cmd.amounts),
        warnings=_address_warnings(engagement, entry),
    )
    # Asked of the audited entity at once, in the same transaction: one hop less than a
    # worker doing it, and the caller's 201 already says awaiting_authorisation.
    _ask_authorisation(confirmation, deps)
    return Submitted(confirmation, replayed=False)


def _address_warnings(engagement: Engagement, entry: Responder) -> list[str]:
    """A warning when the engagement gives another address for this responder than the
    registered one: the letter may not be under the auditor's control (CSA 1312)."""
    override = engagement.override_for(entry.uscc)
    if override is None:
        return []
    contact = override.get("contact", {})
    registered = ", ".join(filter(None, (c.email or c.phone for c in entry.contacts))) or "-"
    given = contact.get("email") or contact.get("phone") or contact.get("address") or "-"
    return [f"函证地址与登记地址不一致 / the engagement overrides the registered address of "
            f"{entry.name}: {given} instead of {registered} ({override.get('reason', '')})"]


async def cancel_confirmation(
    cmd: commands.CancelConfirmation, uow: UnitOfWork, deps: Deps
) -> Confirmation:
    _require_firm(cmd.caller)
    c = await uow.confirmations.get(cmd.confirmation_id, cmd.caller, for_update=True)
    if c is None:
        raise NotFound("no such confirmation")
    c.cancel(at=deps.clock.now(), actor=cmd.caller.actor, reason=cmd.reason)
    return c


def _ask_authorisation(c: Confirmation, deps: Deps) -> None:
    """draft → awaiting_authorisation, due N working days from today."""
    due = deps.calendar.add_working_days(
        deps.clock.today(), deps.authorisation_window_working_days
    )
    c.request_authorisation(due=due, at=deps.clock.now(), actor=SYSTEM_ACTOR)


async def expire_authorisations(
    cmd: commands.ExpireAuthorisations, uow: UnitOfWork, deps: Deps
) -> list[str]:
    today = deps.clock.today()
    expired = []
    for cid in await uow.confirmations.due_for_expiry(today, cmd.limit):
        c = await uow.confirmations.get(cid, None, for_update=True)
        if c and c.expire_authorisation(today=today, at=deps.clock.now(), actor=SYSTEM_ACTOR):
            expired.append(c.id)
    return expired


Handler = Callable[[Any, UnitOfWork, Deps], Awaitable[Any]]


async def confirmation_of(uow: UnitOfWork, confirmation_id: str, *,
                          for_update: bool = False) -> Confirmation:
    """A confirmation the hub itself acts on (no caller's scope); NotFound if there is none."""
    c = await uow.confirmations.get(confirmation_id, None, for_update=for_update)
    if c is None:
        raise NotFound(f"confirmation {confirmation_id} does not exist")
    return c

HANDLERS: dict[type[commands.Command], Handler] = {
    commands.CreateOrganisation: create_organisation,
    commands.CreateApiKey: create_api_key,
    commands.CreateEngagement: create_engagement,
    commands.SubmitConfirmation: submit_confirmation,
    commands.CancelConfirmation: cancel_confirmation,
    commands.ExpireAuthorisations: expire_authorisations,
}

"""Audit-software webhooks: registration, re-sending a workpaper, and the push's outcome."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import structlog

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, NotFound
from hub.domain.model import Caller, Confirmation, Role, Status
from hub.domain.webhooks import Webhook, validate_secret, validate_url
from hub.ports import UnitOfWork, UnitOfWorkFactory
from hub.services.deps import CommandHandler, Deps, confirmation_of
from hub.services.workpapers import WORKPAPER

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Registered:
    webhook: Webhook
    secret: str | None
    """The secret the hub made, shown this once; None when the firm gave its own."""
    created: bool


def _require_manager(caller: Caller) -> None:
    if caller.role not in (Role.FIRM_ADMIN, Role.ADMIN):
        raise Forbidden("only the firm's firm_admin (or a hub admin) manages its webhooks")


async def _owner(uow: UnitOfWork, caller: Caller, engagement_id: str | None
                 ) -> tuple[str, str | None]:
    """(firm, engagement) whose webhook the caller means; 404 for another firm's engagement."""
    _require_manager(caller)
    if engagement_id is None:
        if caller.role is Role.ADMIN:
            raise Forbidden("a hub admin manages a firm's webhooks through its engagements; "
                            "the firm's own webhook is its firm_admin's")
        return caller.org_id, None
    scope = None if caller.role is Role.ADMIN else caller
    engagement = await uow.engagements.get(engagement_id, scope)
    if engagement is None:
        raise NotFound("no such engagement")
    return engagement.firm_org_id, engagement.id


async def register_webhook(cmd: commands.RegisterWebhook, uow: UnitOfWork,
                           deps: Deps) -> Registered:
    """Register (or replace) the webhook; the secret is kept encrypted, never in clear."""
    firm, engagement_id = await _owner(uow, cmd.caller, cmd.engagement_id)
    url = validate_url(cmd.url)
    generated = cmd.secret is None
    secret = secrets.token_urlsafe(32) if cmd.secret is None else validate_secret(cmd.secret)
    sealed = await deps.secret_box.seal(secret)
    existing = await uow.webhooks.get(firm, engagement_id)
    now = deps.clock.now()
    hook = Webhook(
        id=existing.id if existing else str(uuid.uuid4()), firm_org_id=firm,
        engagement_id=engagement_id, url=url, sealed_secret=sealed,
        created_at=existing.created_at if existing else now, updated_at=now,
        updated_by=cmd.caller.actor)
    await uow.webhooks.save(hook)
    uow.record(events.WebhookRegistered(
        at=now, actor=cmd.caller.actor, webhook_id=hook.id, firm_org_id=firm,
        engagement_id=engagement_id, url=_without_query(url), secret_generated=generated))
    return Registered(hook, secret if generated else None, created=existing is None)


async def remove_webhook(cmd: commands.RemoveWebhook, uow: UnitOfWork, deps: Deps) -> None:
    firm, engagement_id = await _owner(uow, cmd.caller, cmd.engagement_id)
    hook = await uow.webhooks.remove(firm, engagement_id)
    if hook is None:
        raise NotFound("no webhook is registered here")
    uow.record(events.WebhookRemoved(at=deps.clock.now(), actor=cmd.caller.actor,
                                     webhook_id=hook.id, firm_org_id=firm,
                                     engagement_id=engagement_id))


async def resend_workpaper(cmd: commands.ResendWorkpaper, uow: UnitOfWork,
                           deps: Deps) -> Confirmation:
    """Push the workpaper again as a new message (the receiver sees X-Hub-Redelivery: 1)."""
    _require_manager(cmd.caller)
    scope = None if cmd.caller.role is Role.ADMIN else cmd.caller
    c = await uow.confirmations.get(cmd.confirmation_id, scope)
    if c is None:
        raise NotFound("no such confirmation")
    if await uow.documents.get(c.id, WORKPAPER) is None:
        raise Conflict("this confirmation has no workpaper yet; it is made once verified")
    if await uow.webhooks.for_engagement(c.firm_org_id, c.engagement_id) is None:
        raise Conflict("no webhook is registered for this engagement or its firm "
                       "(GET /api/v1/workpapers serves the workpaper)")
    uow.record(events.WorkpaperReady(
        at=deps.clock.now(), actor=cmd.caller.actor, confirmation_id=c.id,
        firm_org_id=c.firm_org_id, engagement_id=c.engagement_id, redelivery=True))
    log.info("workpaper_resend_queued", confirmation_id=c.id)
    return c


async def record_workpaper_delivery(cmd: commands.RecordWorkpaperDelivery, uow: UnitOfWork,
                                    deps: Deps) -> Confirmation:
    """The webhook took the workpaper: a verified confirmation becomes workpaper_delivered."""
    c = await confirmation_of(uow, cmd.confirmation_id, for_update=True)
    if c.status is Status.VERIFIED:
        host = urlsplit(cmd.receiver).hostname or "?"
        c.move_to(Status.WORKPAPER_DELIVERED, at=deps.clock.now(), actor=cmd.actor,
                  reason=f"webhook {host} accepted it")
    return c


async def record_workpaper_delivery_failure(cmd: commands.RecordWorkpaperDeliveryFailure,
                                            uow: UnitOfWork, deps: Deps) -> None:
    """The push gave up: say so in the confirmation's history (the message waits, parked)."""
    c = await confirmation_of(uow, cmd.confirmation_id)
    uow.record(events.WorkpaperDeliveryFailed(
        at=deps.clock.now(), actor=cmd.actor, confirmation_id=c.id,
        firm_org_id=c.firm_org_id, reason=cmd.reason))


async def webhook(uow_factory: UnitOfWorkFactory, caller: Caller,
                  engagement_id: str | None) -> Webhook:
    """The webhook registered for the firm (or one of its engagements) as the caller may
    read it (read side; the secret stays sealed)."""
    async with uow_factory() as uow:
        firm, eid = await _owner(uow, caller, engagement_id)
        found = await uow.webhooks.get(firm, eid)
    if found is None:
        raise NotFound("no webhook is registered here" + (
            " (the firm's webhook, if any, applies)" if eid else ""))
    return found


def _without_query(url: str) -> str:
    """The URL as the permanent event log keeps it: a token in its query or fragment is not
    history's to keep."""
    parts = urlsplit(url)
    hidden = "?…" if parts.query or parts.fragment else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{hidden}"


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.RegisterWebhook: register_webhook,
    commands.RemoveWebhook: remove_webhook,
    commands.ResendWorkpaper: resend_workpaper,
    commands.RecordWorkpaperDelivery: record_workpaper_delivery,
    commands.RecordWorkpaperDeliveryFailure: record_workpaper_delivery_failure,
}

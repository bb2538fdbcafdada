"""Webhooks on fakes: who registers and removes them, the secret kept sealed, bad input named,
a workpaper sent again, and the push's outcome in the letter's history."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.domain.model import Caller, OrgKind, Role, Status
from hub.services import webhooks
from hub.services.webhooks import Registered
from tests.unit.fakes import World, outbox, verified_company_letter, world

HOOK = "https://audit.example-cpa.cn/hook"


@pytest.fixture
def w() -> World:
    return world()


def firm_admin(w: World, org_id: str | None = None) -> Caller:
    return replace(w.auditor, org_id=org_id or w.firm.id, role=Role.FIRM_ADMIN, key_id="fa")


HUB_ADMIN = Caller(org_id="operator", org_kind=OrgKind.OPERATOR, role=Role.ADMIN, key_id="op")


async def register(w: World, caller: Caller, url: str = HOOK, engagement_id: str | None = None,
                   secret: str | None = None) -> Registered:
    done: Registered = await w.hub.handle(commands.RegisterWebhook(
        caller=caller, url=url, engagement_id=engagement_id, secret=secret))
    return done


async def test_a_firm_admin_registers_a_webhook_and_sees_the_made_secret_once(
        w: World) -> None:
    done = await register(w, firm_admin(w), HOOK + "?token=tok-5ecret-9f2")
    assert done.created and done.secret is not None and len(done.secret) >= 32
    stored = w.db.webhooks[(w.firm.id, None)]
    assert done.secret not in stored.sealed_secret  # kept sealed, never in clear
    (logged,) = w.db.events_of(events.WebhookRegistered)
    assert logged.url == HOOK + "?…" and logged.secret_generated  # no token in history
    assert "webhook.registered" not in outbox(w.db)

    again = await register(w, firm_admin(w), HOOK + "/v2",
                           secret="firm-chosen-secret-0123456789")
    assert not again.created and again.secret is None  # its own secret is not echoed
    assert again.webhook.id == done.webhook.id and len(w.db.webhooks) == 1
    assert w.db.webhooks[(w.firm.id, None)].url == HOOK + "/v2"
    assert w.db.webhooks[(w.firm.id, None)].created_at == stored.created_at


async def test_only_the_firms_admins_manage_its_webhooks(w: World) -> None:
    with pytest.raises(Forbidden):
        await register(w, w.auditor)
    with pytest.raises(Forbidden):  # a hub admin acts through an engagement only
        await register(w, HUB_ADMIN)
    other_firm = w.hub.organisation(OrgKind.FIRM, "另一会计师事务所", 8)
    with pytest.raises(NotFound):
        await register(w, firm_admin(w, other_firm.id), engagement_id=w.engagement.id)
    assert not w.db.webhooks and not w.db.events

    done = await register(w, HUB_ADMIN, engagement_id=w.engagement.id)
    assert (done.webhook.firm_org_id, done.webhook.engagement_id) == (
        w.firm.id, w.engagement.id)
    shown = await webhooks.webhook(w.hub.uow, firm_admin(w), w.engagement.id)
    assert shown.id == done.webhook.id
    later = await w.hub.handle(commands.CreateEngagement(
        caller=w.auditor, name="2026 半年报审阅", client_name=w.client.name,
        client_uscc=w.client.uscc, period_start=w.engagement.period_start,
        period_end=w.engagement.period_end))
    with pytest.raises(NotFound, match="the firm's webhook, if any, applies"):
        await webhooks.webhook(w.hub.uow, firm_admin(w), later.id)


@pytest.mark.parametrize(("url", "secret", "field"), [
    ("ftp://audit.example-cpa.cn/hook", None, "/url"),
    ("https://user:pw@audit.example-cpa.cn/hook", None, "/url"),
    ("https://audit.example-cpa.cn/hook#frag", None, "/url"),
    ("hook", None, "/url"),
    (HOOK, "short", "/secret"),
    (HOOK, " padded-secret-0123456789abcdef ", "/secret"),
])
async def test_a_bad_url_or_secret_names_its_field_and_stores_nothing(
        w: World, url: str, secret: str | None, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await register(w, firm_admin(w), url, secret=secret)
    assert refused.value.field == field
    assert not w.db.webhooks and not w.db.events


async def test_a_removed_webhook_is_gone_and_removing_it_again_is_not_found(w: World) -> None:
    done = await register(w, firm_admin(w))
    await w.hub.handle(commands.RemoveWebhook(caller=firm_admin(w)))
    assert not w.db.webhooks
    (removed,) = w.db.events_of(events.WebhookRemoved)
    assert removed.webhook_id == done.webhook.id
    with pytest.raises(NotFound):
        await w.hub.handle(commands.RemoveWebhook(caller=firm_admin(w)))
    with pytest.raises(NotFound):
        await webhooks.webhook(w.hub.uow, firm_admin(w), None)


async def test_a_workpaper_is_sent_again_only_once_it_exists_and_a_webhook_takes_it(
        w: World) -> None:
    sent = await verified_company_letter(w)
    resend = commands.ResendWorkpaper(caller=firm_admin(w), confirmation_id=sent.confirmation_id)
    with pytest.raises(Conflict, match="no workpaper yet"):
        await w.hub.handle(resend)
    await w.hub.handle(commands.MakeWorkpaper(confirmation_id=sent.confirmation_id))
    with pytest.raises(Conflict, match="no webhook"):
        await w.hub.handle(resend)
    await register(w, firm_admin(w))  # the firm's webhook serves every engagement

    await w.hub.handle(resend)
    ready = w.db.events_of(events.WorkpaperReady)
    assert [e.redelivery for e in ready] == [False, True]
    assert outbox(w.db).count("workpaper.ready") == 2
    other_firm = w.hub.organisation(OrgKind.FIRM, "另一会计师事务所", 8)
    with pytest.raises(NotFound):
        await w.hub.handle(replace(resend, caller=firm_admin(w, other_firm.id)))
    with pytest.raises(Forbidden):
        await w.hub.handle(replace(resend, caller=w.auditor))
    assert len(w.db.events_of(events.WorkpaperReady)) == 2


async def test_the_push_taken_completes_the_letter_once_and_a_push_given_up_is_noted(
        w: World) -> None:
    sent = await verified_company_letter(w)
    cid = sent.confirmation_id
    await w.hub.handle(commands.RecordWorkpaperDeliveryFailure(
        confirmation_id=cid, reason="HTTP 503 after 8 attempts", actor="adapter:audit_software"))
    assert w.db.confirmations[cid].status is Status.VERIFIED
    (failed,) = w.db.events_of(events.WorkpaperDeliveryFailed)
    assert failed.reason == "HTTP 503 after 8 attempts"
    assert "workpaper.delivery_failed" not in outbox(w.db)

    taken = commands.RecordWorkpaperDelivery(confirmation_id=cid, actor="adapter:audit_software",
                                             receiver=HOOK)
    await w.hub.handle(taken)
    await w.hub.handle(taken)  # the message redelivered
    c = w.db.confirmations[cid]
    assert c.status is Status.WORKPAPER_DELIVERED
    moves = [e for e in w.db.events_of(events.StatusChanged)
             if e.to_status == "workpaper_delivered"]
    assert len(moves) == 1 and moves[0].reason == "webhook audit.example-cpa.cn accepted it"

"""Two uploads of one reply at the same moment, on the real database: one keeps it, the other
gets the idempotent answer (the letter's row lock orders them), never a unique violation."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import uow_factory
from hub.db.tables import replies
from hub.domain import commands
from hub.domain.model import Caller, OrgKind, Role
from hub.services.deps import Deps
from hub.services.exchange import Uploaded
from hub.services.messagebus import MessageBus
from tests.e2e.conftest import new_uscc
from tests.unit.fakes import (
    FakeBlobStore,
    FakeLetterMaker,
    FakePortalReplyMaker,
    FakeReplyChecker,
    FakeSecretBox,
    FakeWorkpaperMaker,
    FixedClock,
    fake_certificate,
    read_fake_certificate,
    tiny_pdf,
    toy_calendar,
)


class SlowBlobStore(FakeBlobStore):
    """Stores slowly while `slow`: the first upload still holds the letter's lock when the
    second arrives."""

    slow = False

    async def put(self, data: bytes) -> str:
        if self.slow:
            await asyncio.sleep(0.5)
        return await super().put(data)


def admin(key: str) -> Caller:
    return Caller(org_id="operator", org_kind=OrgKind.OPERATOR, role=Role.ADMIN, key_id=key)


async def test_the_same_reply_uploaded_twice_at_once_is_kept_once(engine: AsyncEngine) -> None:
    clock, blobs = FixedClock(), SlowBlobStore()
    bus = MessageBus(uow_factory(engine, clock), Deps(
        clock=clock, calendar=toy_calendar(), blobs=blobs, letter_maker=FakeLetterMaker(),
        certificate_reader=read_fake_certificate, reply_checker=FakeReplyChecker(),
        workpaper_maker=FakeWorkpaperMaker(), portal_reply_maker=FakePortalReplyMaker(),
        secret_box=FakeSecretBox()))
    firm = await bus.handle(commands.CreateOrganisation(kind="firm", name="立信会计师事务所",
                                                        uscc=new_uscc()))
    bank_uscc = new_uscc()
    entry = await bus.handle(commands.RegisterResponder(
        caller=admin("alice"), kind="bank", name="京华银行北京分行", uscc=bank_uscc,
        channel="bank_api_pull", bank_code="313100000013",
        certificates=(fake_certificate("CN=京华银行 函证专用"),)))
    await bus.handle(commands.VerifyResponder(caller=admin("bob"), responder_id=entry.id,
                                              version=entry.version))
    auditor = Caller(org_id=firm.id, org_kind=OrgKind.FIRM, role=Role.AUDITOR, key_id="a")
    engagement = await bus.handle(commands.CreateEngagement(
        caller=auditor, name="2025 年报审计", client_name="上海示例制造有限公司",
        client_uscc=new_uscc(), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)))
    letter = {"letter_number": "BC-1", "as_of_date": "2025-12-31", "mode": "positive",
              "responder": {"name": "京华银行北京分行", "uscc": bank_uscc},
              "items": {"deposits": {"rows": [{"account_number": "6222000011112222",
                                               "currency": "CNY", "balance": "1000.00"}]}}}
    done = await bus.handle(commands.SubmitConfirmation(
        caller=auditor, engagement_id=engagement.id, letter_type="bank_format1",
        letter=letter, request_hash=hashlib.sha256(b"BC-1").hexdigest()))
    cid = done.confirmation.id
    signer = Caller(org_id=engagement.client_org_id, org_kind=OrgKind.COMPANY,
                    role=Role.CLIENT_SIGNER, key_id="s")
    await bus.handle(commands.AuthoriseConfirmation(caller=signer, confirmation_id=cid))
    await bus.handle(commands.MakeLetter(confirmation_id=cid))

    teller = Caller(org_id=entry.org_id, org_kind=OrgKind.BANK, role=Role.BANK_OPERATOR,
                    key_id="t")
    upload = commands.UploadReply(caller=teller, confirmation_id=cid, pdf=tiny_pdf("reply"),
                                  data=None)
    blobs.slow = True
    first, second = await asyncio.gather(bus.handle(upload), bus.handle(upload))
    answers: list[Uploaded] = sorted((first, second), key=lambda u: not u.created)

    assert [u.created for u in answers] == [True, False]
    assert answers[0].reply.id == answers[1].reply.id and answers[1].refused is None
    async with engine.connect() as conn:
        kept = (await conn.execute(select(func.count()).select_from(replies).where(
            replies.c.confirmation_id == cid))).scalar_one()
    assert kept == 1
    async with uow_factory(engine, clock)() as uow:
        history = await uow.confirmations.history(cid)
    assert [h.event_type for h in history].count("reply.received") == 1  # one check queued

"""Repositories and the unit of work on SQLite and PostgreSQL: mapping, scoping, conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import SqlAlchemyOutboxStore, create_engine, migrate, uow_factory
from hub.db.eventlog import seal
from hub.db.tables import confirmations, event_log
from hub.db.uow import OutboxSignal
from hub.domain.errors import (
    Conflict,
    DuplicateIdempotencyKey,
    InvalidTransition,
    ValidationFailed,
)
from hub.domain.model import (
    AmountLine,
    Caller,
    Confirmation,
    Document,
    Engagement,
    LetterType,
    Mode,
    Organisation,
    OrgKind,
    Role,
    Status,
)
from hub.domain.uscc import ALPHABET, make_uscc
from hub.infra.clocks import FrozenClock
from hub.ports import ApiKeyRecord, ConfirmationFilter
from tests.conftest import unique

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=CST)


def new_uscc() -> str:
    return make_uscc("91310000" + "".join(random.choice(ALPHABET) for _ in range(9)))


@dataclass
class World:
    engine: AsyncEngine
    clock: FrozenClock
    firm: Organisation
    other_firm: Organisation
    client: Organisation
    bank: Organisation
    other_bank: Organisation
    engagement: Engagement

    def uow(self) -> Any:
        return uow_factory(self.engine, self.clock)()

    def caller(self, org: Organisation, role: Role) -> Caller:
        return Caller(org_id=org.id, org_kind=org.kind, role=role, key_id=unique("k"))

    def letter(self, **changes: Any) -> Confirmation:
        fields: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "firm_org_id": self.firm.id,
            "engagement_id": self.engagement.id,
            "client_org_id": self.client.id,
            "responder_org_id": self.bank.id,
            "letter_type": LetterType.BANK_FORMAT1,
            "mode": Mode.POSITIVE,
            "letter_number": unique("LN"),
            "as_of_date": date(2025, 12, 31),
            "letter": {"responder": {"name": "中国示范银行"}, "items": {"deposits": []}},
            "business_key": uuid.uuid4().hex + uuid.uuid4().hex,
            "created_at": self.clock.now(),
        }
        fields.update(changes)
        return Confirmation.submit(actor="auditor:k1", **fields)

    async def save(self, c: Confirmation) -> Confirmation:
        async with self.uow() as uow:
            await uow.confirmations.add(c)
            await uow.commit()
        return c


def org(kind: OrgKind, name: str) -> Organisation:
    return Organisation(
        id=str(uuid.uuid4()), kind=kind, name=name, uscc=new_uscc(), created_at=T0
    )


@contextlib.asynccontextmanager
async def build_world(db_url: str) -> AsyncIterator[World]:
    """A migrated database with two firms, the audited company, two banks and an engagement."""
    await migrate(db_url)
    engine = create_engine(db_url)
    clock = FrozenClock(T0)
    firm, other_firm = org(OrgKind.FIRM, "信达会计师事务所"), org(OrgKind.FIRM, "别家事务所")
    client = org(OrgKind.COMPANY, "北京示例科技有限公司")
    bank, other_bank = org(OrgKind.BANK, "中国示范银行"), org(OrgKind.BANK, "另一家银行")
    engagement = Engagement(
        id=str(uuid.uuid4()), firm_org_id=firm.id, client_org_id=client.id,
        name="2025年度审计", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        created_at=T0, reference="SJ-2025-001",
    )
    w = World(engine, clock, firm, other_firm, client, bank, other_bank, engagement)
    async with w.uow() as uow:
        for o in (firm, other_firm, client, bank, other_bank):
            await uow.organisations.add(o)
        await uow.engagements.add(engagement)
        await uow.commit()
    try:
        yield w
    finally:
        await engine.dispose()


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    async with build_world(db_url) as w:
        yield w


async def move(w: World, cid: str, *targets: Status) -> Confirmation:
    async with w.uow() as uow:
        c = await uow.confirmations.get(cid, None, for_update=True)
        assert c is not None
        for target in targets:
            c.move_to(target, at=w.clock.now(), actor="system")
        await uow.commit()
    return c


# --------------------------------------------------------------------------- mapping


async def test_confirmation_round_trips_with_exact_amounts(world: World) -> None:
    amounts = [
        AmountLine("/items/deposits/rows/0/balance", Decimal("12345678901234567.89"), "CNY"),
        AmountLine("/items/loans/rows/0/balance", Decimal("-0.01"), "USD"),
        AmountLine("/items/other/rows/0/amount", Decimal("0")),
    ]
    c = world.letter(
        amounts=amounts, idempotency_key="idem-1", request_hash="ab" * 32,
        letter={"letter_number": "X", "备注": "中文内容", "rows": [{"balance": "1.10"}]},
        scope="deposits,loans", reply_due=date(2026, 1, 20),
    )
    await world.save(c)

    async with world.uow() as uow:
        loaded = await uow.confirmations.get(c.id, None)

    assert loaded is not None
    assert loaded == c
    assert [a.amount for a in loaded.amounts] == [
        Decimal("12345678901234567.89"), Decimal("-0.01"), Decimal("0"),
    ]
    assert [(a.pointer, a.currency) for a in loaded.amounts] == [
        (a.pointer, a.currency) for a in amounts
    ]
    assert loaded.letter["备注"] == "中文内容"
    assert loaded.created_at == T0 and loaded.created_at.tzinfo == UTC
    assert loaded.status is Status.DRAFT and loaded.version == 0


async def test_letters_added_together_round_trip_with_their_amounts(world: World) -> None:
    letters = [
        world.letter(amounts=[
            AmountLine("/items/deposits/rows/0/balance", Decimal(f"{i}00000000000.07"), "CNY"),
            AmountLine("/items/loans/rows/0/balance", Decimal(f"-{i}.5"), "USD"),
        ])
        for i in range(1, 4)
    ]
    async with world.uow() as uow:
        await uow.confirmations.add_all(letters)
        await uow.commit()
    async with world.uow() as uow:
        loaded = [await uow.confirmations.get(c.id, None) for c in letters]
    assert loaded == letters
    assert [[a.amount for a in c.amounts] for c in loaded if c] == [
        [Decimal("100000000000.07"), Decimal("-1.5")],
        [Decimal("200000000000.07"), Decimal("-2.5")],
        [Decimal("300000000000.07"), Decimal("-3.5")],
    ]


async def test_letters_added_together_collide_as_one(world: World) -> None:
    taken = await world.save(world.letter())
    fresh = world.letter()
    twin = world.letter(letter_number=taken.letter_number)
    async with world.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.confirmations.add_all([fresh, twin])
    assert caught.value.field == "/letter/letter_number"
    async with world.uow() as uow:  # rolled back: the fresh one was not kept either
        assert await uow.confirmations.get(fresh.id, None) is None


async def test_amount_that_would_be_rounded_is_refused_and_nothing_saved(world: World) -> None:
    c = world.letter(amounts=[AmountLine("/items/x/rows/0/balance", Decimal("1.0000001"))])
    with pytest.raises(ValidationFailed) as caught:
        await world.save(c)
    assert caught.value.field == "/letter/items/x/rows/0/balance"
    async with world.uow() as uow:
        assert await uow.confirmations.get(c.id, None) is None


async def test_organisations_engagements_and_keys_round_trip(world: World) -> None:
    key = ApiKeyRecord(
        id=unique("key"), org_id=world.firm.id, role=Role.AUDITOR, secret_hash="f" * 64,
        created_at=T0,
    )
    async with world.uow() as uow:
        await uow.api_keys.add(key)
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.organisations.by_uscc(world.client.uscc) == world.client
        assert await uow.organisations.get(world.bank.id) == world.bank
        assert await uow.engagements.get(world.engagement.id, None) == world.engagement
        assert await uow.api_keys.get(key.id) == dataclasses.replace(key, org_kind=OrgKind.FIRM)
        assert await uow.api_keys.get("nope") is None
        assert await uow.api_keys.revoke(key.id) is True
        assert await uow.api_keys.revoke(key.id) is False
        await uow.commit()
    async with world.uow() as uow:
        revoked = await uow.api_keys.get(key.id)
    assert revoked is not None and revoked.revoked_at == world.clock.now()


async def test_an_organisation_read_in_a_rolled_back_transaction_is_not_remembered(
    world: World,
) -> None:
    newcomer = org(OrgKind.COMPANY, "回滚公司")
    async with world.uow() as uow:
        await uow.organisations.add(newcomer)
        assert await uow.organisations.get(newcomer.id) == newcomer  # its own write
    async with world.uow() as uow:  # left without commit: rolled back
        assert await uow.organisations.get(newcomer.id) is None
        assert await uow.organisations.get(world.firm.id) == world.firm
    async with world.uow() as uow:
        assert await uow.organisations.get(world.firm.id) == world.firm  # remembered


async def test_a_second_document_of_a_kind_is_a_conflict_and_the_first_stays(
    world: World,
) -> None:
    c = await world.save(world.letter())
    first = Document(confirmation_id=c.id, kind="letter", sha256="a" * 64, size=10,
                     media_type="application/pdf", created_at=T0)
    async with world.uow() as uow:
        await uow.documents.add(first)
        await uow.commit()
    async with world.uow() as uow:
        with pytest.raises(Conflict, match="has a letter already"):
            await uow.documents.add(dataclasses.replace(first, sha256="b" * 64))
        assert await uow.documents.get(c.id, "letter") == first  # the transaction still works
        await uow.documents.add(dataclasses.replace(first, kind="workpaper"))
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.documents.get(c.id, "workpaper") is not None


async def test_second_organisation_with_the_same_uscc_is_a_conflict(world: World) -> None:
    twin = Organisation(
        id=str(uuid.uuid4()), kind=OrgKind.COMPANY, name="重名公司", uscc=world.client.uscc,
        created_at=T0,
    )
    async with world.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.organisations.add(twin)
    assert caught.value.field == "uscc"


# --------------------------------------------------------------------------- state changes


async def test_state_change_bumps_version_logs_history_and_writes_outbox(world: World) -> None:
    c = await world.save(world.letter())
    world.clock.current = T0 + timedelta(minutes=5)

    async with world.uow() as uow:
        loaded = await uow.confirmations.get(c.id, None, for_update=True)
        assert loaded is not None
        loaded.request_authorisation(due=date(2026, 1, 19), at=world.clock.now(), actor="system")
        await uow.commit()

    await seal(world.engine)  # as the relay's sealer does a moment after the commit
    async with world.uow() as uow:
        again = await uow.confirmations.get(c.id, None)
        history = await uow.confirmations.history(c.id)
    assert again is not None
    assert again.status is Status.AWAITING_AUTHORISATION
    assert again.version == 1
    assert again.authorisation_due == date(2026, 1, 19)
    assert again.updated_at == T0 + timedelta(minutes=5)
    assert [h.event_type for h in history] == [
        "confirmation.submitted", "confirmation.status_changed",
    ]
    assert history[1].data["to_status"] == "awaiting_authorisation"
    assert history[0].seq < history[1].seq
    assert len({h.hash for h in history}) == 2 and None not in {h.hash for h in history}

    rows = await SqlAlchemyOutboxStore(world.engine).lease(10, "test", 30)
    assert [(r.exchange, r.routing_key, r.envelope.type) for r in rows] == [
        ("hub.events", "confirmation.submitted", "confirmation.submitted"),
        ("hub.events", "confirmation.status.awaiting_authorisation",
         "confirmation.status_changed"),
    ]
    assert rows[1].envelope.data["confirmation_id"] == c.id
    assert all(r.message_id == r.envelope.message_id for r in rows)


async def test_stale_update_is_refused_and_changes_nothing(world: World) -> None:
    c = await world.save(world.letter())

    async with world.uow() as uow:
        loaded = await uow.confirmations.get(c.id, None)
        assert loaded is not None
        # Another writer commits a change after we read: a plain read takes no lock, on
        # either database, so it can.
        async with world.uow() as other:
            writer = await other.writer()
            await writer.execute(
                update(confirmations)
                .where(confirmations.c.id == c.id)
                .values(version=confirmations.c.version + 1)
            )
            await other.commit()
        loaded.cancel(at=world.clock.now(), actor="auditor:k1", reason="mistake")
        with pytest.raises(Conflict):
            await uow.commit()

    async with world.uow() as uow:
        fresh = await uow.confirmations.get(c.id, None)
        history = await uow.confirmations.history(c.id)
    assert fresh is not None and fresh.status is Status.DRAFT
    assert [h.event_type for h in history] == ["confirmation.submitted"]


async def test_a_locking_read_after_a_stale_plain_read_sees_what_others_committed(
        world: World) -> None:
    """A handler that read unlocked, worked a while (a push, a rendering) and then locks gets
    the row as committed meanwhile, not its stale copy: no conflict at commit."""
    c = await world.save(world.letter())

    async with world.uow() as uow:
        stale = await uow.confirmations.get(c.id, None)
        assert stale is not None and stale.status is Status.DRAFT
        async with world.uow() as other:
            cancelled = await other.confirmations.get(c.id, None, for_update=True)
            assert cancelled is not None
            cancelled.cancel(at=world.clock.now(), actor="auditor:k1", reason="mistake")
            await other.commit()
        locked = await uow.confirmations.get(c.id, None, for_update=True)
        assert locked is not None and locked.status is Status.CANCELLED
        await uow.commit()


async def test_a_stale_write_is_a_transient_conflict(world: World) -> None:
    from hub.domain.errors import StaleWrite, TransientError

    c = await world.save(world.letter())
    async with world.uow() as uow:
        loaded = await uow.confirmations.get(c.id, None)
        assert loaded is not None
        async with world.uow() as other:
            writer = await other.writer()
            await writer.execute(update(confirmations).where(confirmations.c.id == c.id)
                                 .values(version=confirmations.c.version + 1))
            await other.commit()
        loaded.cancel(at=world.clock.now(), actor="auditor:k1", reason="mistake")
        with pytest.raises(StaleWrite) as caught:
            await uow.commit()
    assert isinstance(caught.value, TransientError) and isinstance(caught.value, Conflict)


async def test_two_requests_racing_on_one_letter_cannot_both_win(world: World) -> None:
    c = await world.save(world.letter())
    both_loaded = asyncio.Barrier(2)

    async def authorise() -> str:
        try:
            async with world.uow() as uow:
                loaded = await uow.confirmations.get(c.id, None)
                assert loaded is not None
                await both_loaded.wait()  # both read the draft before either writes
                loaded.move_to(Status.AWAITING_AUTHORISATION, at=world.clock.now(), actor="t")
                await uow.commit()
                return "ok"
        except Conflict:
            return "conflict"
        except InvalidTransition:
            return "invalid_transition"

    outcomes = sorted(await asyncio.gather(authorise(), authorise()))

    # A plain read takes no lock on either database: the stale writer is refused.
    assert outcomes == ["conflict", "ok"]
    async with world.uow() as uow:
        final = await uow.confirmations.get(c.id, None)
        history = await uow.confirmations.history(c.id)
    assert final is not None and final.version == 1
    assert [h.event_type for h in history].count("confirmation.status_changed") == 1


async def test_for_update_makes_the_second_reader_wait_and_see_the_change(pg_url: str) -> None:
    async with build_world(pg_url) as w:
        c = await w.save(w.letter())
        async with w.uow() as first:
            locked = await first.confirmations.get(c.id, None, for_update=True)
            assert locked is not None

            async def second_reader() -> Status:
                async with w.uow() as second:
                    seen = await second.confirmations.get(c.id, None, for_update=True)
                    assert seen is not None
                    return seen.status

            waiting = asyncio.create_task(second_reader())
            await asyncio.sleep(0.3)
            assert not waiting.done()
            locked.cancel(at=w.clock.now(), actor="t")
            await first.commit()
        assert await waiting == Status.CANCELLED


# --------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("same", "field"),
    [
        ("idempotency_key", "Idempotency-Key"),
        ("letter_number", "/letter/letter_number"),
        ("business_key", "/letter"),
    ],
)
async def test_duplicate_letter_is_a_conflict_naming_the_field(
    world: World, same: str, field: str
) -> None:
    first = await world.save(world.letter(idempotency_key=unique("idem")))
    changes = {"idempotency_key": unique("idem"), same: getattr(first, same)}
    second = world.letter(**changes)

    async with world.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.confirmations.add(second)
        # The unit of work is still usable: the service looks up the first one.
        found = await uow.confirmations.by_idempotency_key(world.firm.id, first.idempotency_key)
        assert found is not None and found.id == first.id
    assert caught.value.field == field
    assert isinstance(caught.value, DuplicateIdempotencyKey) == (same == "idempotency_key")
    async with world.uow() as uow:
        assert await uow.confirmations.get(second.id, None) is None


async def test_a_retry_racing_its_original_is_told_it_reused_the_key(world: World) -> None:
    original = world.letter(idempotency_key="retry-key")
    retry = world.letter(
        idempotency_key="retry-key", letter_number=original.letter_number,
        business_key=original.business_key,
    )

    async def submit(c: Confirmation) -> str:
        try:
            await world.save(c)
            return "saved"
        except DuplicateIdempotencyKey as e:
            assert e.field == "Idempotency-Key"
            return "duplicate_key"

    # The letter collides on all three keys; the caller must learn it was the same request.
    assert sorted(await asyncio.gather(submit(original), submit(retry))) == [
        "duplicate_key", "saved",
    ]


async def test_same_key_and_number_are_fine_for_another_firm(world: World) -> None:
    first = await world.save(world.letter(idempotency_key="shared-key"))
    engagement = Engagement(
        id=str(uuid.uuid4()), firm_org_id=world.other_firm.id, client_org_id=world.client.id,
        name="其他审计", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        created_at=T0,
    )
    async with world.uow() as uow:
        await uow.engagements.add(engagement)
        await uow.commit()
    await world.save(world.letter(
        firm_org_id=world.other_firm.id, engagement_id=engagement.id,
        idempotency_key="shared-key", letter_number=first.letter_number,
    ))


async def test_cancelled_letter_frees_its_business_key(world: World) -> None:
    first = await world.save(world.letter())
    await move(world, first.id, Status.CANCELLED)

    again = await world.save(world.letter(business_key=first.business_key))

    async with world.uow() as uow:
        assert await uow.confirmations.get(again.id, None) is not None
        with pytest.raises(Conflict) as caught:
            await uow.confirmations.add(world.letter(business_key=first.business_key))
    assert caught.value.field == "/letter"


# --------------------------------------------------------------------------- scoping


async def test_every_read_is_scoped_to_the_callers_organisation(world: World) -> None:
    c = await world.save(world.letter())
    own = world.caller(world.firm, Role.AUDITOR)
    other = world.caller(world.other_firm, Role.FIRM_ADMIN)
    client = world.caller(world.client, Role.CLIENT_SIGNER)
    bank = world.caller(world.bank, Role.BANK_OPERATOR)
    other_bank = world.caller(world.other_bank, Role.BANK_OPERATOR)

    async def visible(caller: Caller) -> tuple[bool, int, bool]:
        async with world.uow() as uow:
            got = await uow.confirmations.get(c.id, caller)
            page = await uow.confirmations.list(caller, ConfirmationFilter())
            eng = await uow.engagements.get(world.engagement.id, caller)
        return got is not None, len(page.items), eng is not None

    assert await visible(own) == (True, 1, True)
    assert await visible(client) == (True, 1, True)
    assert await visible(other) == (False, 0, False)
    assert await visible(bank) == (False, 0, False)  # not sent yet

    await move(world, c.id, Status.AWAITING_AUTHORISATION, Status.AUTHORISED,
               Status.LETTER_READY, Status.DISPATCHED)

    assert await visible(bank) == (True, 1, False)
    assert await visible(other_bank) == (False, 0, False)
    assert await visible(other) == (False, 0, False)
    async with world.uow() as uow:
        assert await uow.engagements.list(other, 50, None) == []
        assert await uow.engagements.list(own, 50, None) == [world.engagement]


# --------------------------------------------------------------------------- listing


async def test_list_pages_through_everything_once_in_creation_order(world: World) -> None:
    made = []
    for i in range(7):
        # Two letters share each instant, so the id breaks the tie.
        world.clock.current = T0 + timedelta(seconds=i // 2)
        made.append(await world.save(world.letter()))
    await move(world, made[3].id, Status.CANCELLED)
    auditor = world.caller(world.firm, Role.AUDITOR)

    seen: list[str] = []
    cursor = None
    async with world.uow() as uow:
        while True:
            page = await uow.confirmations.list(auditor, ConfirmationFilter(limit=3, cursor=cursor))
            seen += [c.id for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        cancelled = await uow.confirmations.list(
            auditor, ConfirmationFilter(status=Status.CANCELLED)
        )
        elsewhere = await uow.confirmations.list(
            auditor, ConfirmationFilter(engagement_id=str(uuid.uuid4()))
        )
        with pytest.raises(ValidationFailed) as bad:
            await uow.confirmations.list(auditor, ConfirmationFilter(cursor="not-a-cursor"))

    expected = [c.id for c in sorted(made, key=lambda c: (c.created_at, c.id))]
    assert seen == expected
    assert [c.id for c in cancelled.items] == [made[3].id]
    assert elsewhere.items == [] and elsewhere.next_cursor is None
    assert bad.value.field == "cursor"


async def test_due_for_expiry_lists_only_overdue_authorisations(world: World) -> None:
    overdue, due_today, drafted = [await world.save(world.letter()) for _ in range(3)]
    for c, due in ((overdue, date(2026, 1, 9)), (due_today, date(2026, 1, 10))):
        async with world.uow() as uow:
            loaded = await uow.confirmations.get(c.id, None)
            assert loaded is not None
            loaded.request_authorisation(due=due, at=world.clock.now(), actor="system")
            await uow.commit()

    async with world.uow() as uow:
        assert list(await uow.confirmations.due_for_expiry(date(2026, 1, 10), 10)) == [overdue.id]
        assert list(await uow.confirmations.due_for_expiry(date(2026, 1, 9), 10)) == []
    assert drafted.status is Status.DRAFT


# --------------------------------------------------------------------------- unit of work


async def test_leaving_without_commit_saves_nothing(world: World) -> None:
    c = world.letter()
    async with world.uow() as uow:
        await uow.confirmations.add(c)
    async with world.uow() as uow:
        assert await uow.confirmations.get(c.id, None) is None
        count = len((await uow.connection.execute(select(event_log.c.seq))).all())
    assert count == 0


async def test_inbox_claims_once_and_a_rollback_unclaims(world: World) -> None:
    async with world.uow() as uow:
        assert await uow.inbox.claim("hub.jobs", "m-1") is True
        assert await uow.inbox.claim("hub.jobs", "m-1") is False
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.inbox.claim("hub.jobs", "m-1") is False
        assert await uow.inbox.claim("adapter.portal", "m-1") is True  # another consumer

    async with world.uow() as uow:
        assert await uow.inbox.claim("hub.jobs", "m-2") is True
        await uow.rollback()
    async with world.uow() as uow:
        assert await uow.inbox.claim("hub.jobs", "m-2") is True
        await uow.commit()


async def test_a_commit_that_writes_outbox_rows_wakes_the_relay_and_no_other_does(
        world: World) -> None:
    signal, woken = OutboxSignal(), []
    signal.subscribe(lambda: woken.append("relay"))
    c = world.letter()
    async with uow_factory(world.engine, world.clock, signal=signal)() as uow:
        await uow.confirmations.add(c)  # confirmation.submitted is published
        await uow.commit()
    assert woken == ["relay"]
    async with uow_factory(world.engine, world.clock, signal=signal)() as uow:
        await uow.confirmations.get(c.id, None)
        await uow.commit()  # nothing written, nothing to publish
    async with uow_factory(world.engine, world.clock, signal=signal)() as uow:
        await uow.confirmations.add(world.letter())
    # left without commit: rolled back, nothing to publish
    assert woken == ["relay"]

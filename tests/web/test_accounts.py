"""Firm users: who may have one, signing in (one answer for every failure, throttled), and
sessions that end by idleness, by age and by signing out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from hub.db.tables import web_sessions, web_users
from hub.domain.errors import Conflict, ValidationFailed
from hub.domain.users import LOCK_MINUTES, MAX_FAILURES
from hub.services.accounts import SignInFailed
from hub.services.passwords import KdfParameters, PasswordKdf
from tests.web.conftest import PASSWORD, Db


async def _user(db: Db, email: str = "li.na@xinda-cpa.cn") -> str:
    firm = await db.org("firm", "信达会计师事务所")
    user = await db.accounts.create_user(org_id=firm, email=email, name="李娜",
                                         role="auditor", password=PASSWORD)
    return user.id


async def test_only_a_firm_gets_users_and_a_login_is_taken_once(db: Db) -> None:
    bank = await db.org("bank", "中国示范银行")
    with pytest.raises(ValidationFailed) as refused:
        await db.accounts.create_user(org_id=bank, email="x@bank.cn", name="X",
                                      role="auditor", password=PASSWORD)
    assert refused.value.field == "org"
    firm = await db.org("firm", "信达会计师事务所")
    with pytest.raises(ValidationFailed) as bad_role:
        await db.accounts.create_user(org_id=firm, email="y@x.cn", name="Y",
                                      role="bank_operator", password=PASSWORD)
    assert bad_role.value.field == "role"
    with pytest.raises(ValidationFailed) as short:
        await db.accounts.create_user(org_id=firm, email="y@x.cn", name="Y", role="auditor",
                                      password="short")
    assert short.value.field == "password"
    await db.accounts.create_user(org_id=firm, email="Li.Na@Xinda-CPA.cn", name="李娜",
                                  role="auditor", password=PASSWORD)
    with pytest.raises(Conflict):
        await db.accounts.create_user(org_id=firm, email="li.na@xinda-cpa.cn", name="李娜",
                                      role="firm_admin", password=PASSWORD)
    async with db.container.engine.connect() as conn:
        rows = (await conn.execute(select(web_users))).all()
    assert len(rows) == 1 and rows[0].email == "li.na@xinda-cpa.cn"
    assert rows[0].password_hash.startswith("$argon2id$") and PASSWORD not in str(rows[0])


async def test_an_unknown_login_and_a_wrong_password_get_the_same_answer(db: Db) -> None:
    await _user(db)
    with pytest.raises(SignInFailed) as unknown:
        await db.accounts.sign_in("nobody@xinda-cpa.cn", PASSWORD, "test")
    with pytest.raises(SignInFailed) as wrong:
        await db.accounts.sign_in("li.na@xinda-cpa.cn", "not the password", "test")
    assert unknown.value.message == wrong.value.message
    done = await db.accounts.sign_in(" LI.NA@xinda-cpa.cn ", PASSWORD, "Chromium")
    assert done.user.display_name == "李娜"


async def test_the_session_table_keeps_only_a_hash_of_the_token(db: Db) -> None:
    await _user(db)
    done = await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "Chromium/1 " * 40)
    async with db.container.engine.connect() as conn:
        stored = (await conn.execute(select(web_sessions))).one()
    assert done.token not in str(tuple(stored))
    assert len(stored.user_agent) == 255
    assert await db.accounts.resume(done.token) is not None
    assert await db.accounts.resume(stored.id) is None  # the stored hash is no token


async def test_ten_failures_lock_the_account_for_a_few_minutes(db: Db) -> None:
    await _user(db)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInFailed):
            await db.accounts.sign_in("li.na@xinda-cpa.cn", "guess", "test")
    with pytest.raises(SignInFailed):  # now even the right password is refused
        await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    db.clock.current += timedelta(minutes=LOCK_MINUTES) - timedelta(seconds=1)
    with pytest.raises(SignInFailed):
        await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    db.clock.current += timedelta(seconds=2)
    assert await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    # the count starts again after a success: nine more failures do not lock
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(SignInFailed):
            await db.accounts.sign_in("li.na@xinda-cpa.cn", "guess", "test")
    assert await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")


async def test_a_session_ends_when_idle_when_old_and_when_signed_out(db: Db) -> None:
    await _user(db)
    policy = db.accounts.policy
    idle = await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    db.clock.current += policy.idle - timedelta(seconds=1)
    assert await db.accounts.resume(idle.token) is not None  # a page view keeps it alive
    db.clock.current += policy.idle - timedelta(seconds=1)
    assert await db.accounts.resume(idle.token) is not None
    db.clock.current += policy.idle + timedelta(seconds=1)
    assert await db.accounts.resume(idle.token) is None
    assert await db.accounts.resume(idle.token) is None

    old = await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    for _ in range(int(policy.lifetime / (policy.idle / 2)) + 1):
        db.clock.current += policy.idle / 2
        alive = await db.accounts.resume(old.token)
    assert alive is None  # used every quarter hour, it still ends after its lifetime

    gone = await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    await db.accounts.sign_out(gone.token)
    assert await db.accounts.resume(gone.token) is None


async def test_a_disabled_user_is_signed_out_and_cannot_sign_in(db: Db) -> None:
    await _user(db)
    open_session = await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    await db.accounts.disable_user("Li.Na@xinda-cpa.cn")
    assert await db.accounts.resume(open_session.token) is None
    with pytest.raises(SignInFailed):
        await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")


async def test_a_hash_made_at_a_lower_cost_is_upgraded_when_its_user_signs_in(db: Db) -> None:
    user_id = await _user(db)  # hashed with the fixture's cheap parameters (8 MiB, t=1)
    stronger = KdfParameters(time_cost=2, memory_kib=16384, parallelism=1)
    db.accounts.kdf = PasswordKdf(stronger)  # the operator raised the cost since

    async def stored() -> str:
        async with db.container.engine.connect() as conn:
            return str((await conn.execute(select(web_users.c.password_hash).where(
                web_users.c.id == user_id))).scalar_one())

    before = await stored()
    with pytest.raises(SignInFailed):
        await db.accounts.sign_in("li.na@xinda-cpa.cn", "not the password", "test")
    assert await stored() == before  # a wrong password upgrades nothing
    await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")
    after = extract_parameters(await stored())
    assert (after.time_cost, after.memory_cost) == (2, 16384)
    await db.accounts.sign_in("li.na@xinda-cpa.cn", PASSWORD, "test")  # still the password

"""Firm web users on fakes (no database, a cheap KDF): sign-in locks after failures, an
address that fails too often is refused, a weaker hash is upgraded at sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import extract_parameters

from hub.domain.errors import ValidationFailed
from hub.domain.users import LOCK_MINUTES, MAX_FAILURES
from hub.services import throttle
from hub.services.accounts import SIGN_IN_FAILED, Accounts, SignInFailed, token_id
from hub.services.passwords import KdfParameters, PasswordKdf
from tests.unit.fakes import FakeUserStore, World, world

EMAIL = "li.na@xinda-cpa.cn"
PASSWORD = "correct horse battery"
CHEAP = KdfParameters(time_cost=1, memory_kib=8, parallelism=1)


@pytest.fixture
async def accounts() -> tuple[World, Accounts]:
    w = world()
    accounts = Accounts(FakeUserStore(), w.hub.uow, w.hub.clock, PasswordKdf(CHEAP))
    await accounts.create_user(org_id=w.firm.id, email=" Li.Na@Xinda-CPA.cn ", name="李娜",
                               role="auditor", password=PASSWORD)
    return w, accounts


def store(a: Accounts) -> FakeUserStore:
    assert isinstance(a.store, FakeUserStore)
    return a.store


async def test_only_a_firms_staff_get_users_and_the_store_keeps_hashes_only(
        accounts: tuple[World, Accounts]) -> None:
    w, a = accounts
    (user,) = store(a).users.values()
    assert user.email == EMAIL and user.password_hash.startswith("$argon2id$")
    with pytest.raises(ValidationFailed) as bank:
        await a.create_user(org_id=w.bank.id, email="x@bank.cn", name="X", role="auditor",
                            password=PASSWORD)
    assert bank.value.field == "org"
    with pytest.raises(ValidationFailed) as short:
        await a.create_user(org_id=w.firm.id, email="y@x.cn", name="Y", role="auditor",
                            password="short")
    assert short.value.field == "password" and len(store(a).users) == 1

    done = await a.sign_in(EMAIL, PASSWORD, "Firefox")
    assert set(store(a).sessions) == {token_id(done.token)} and done.token not in repr(
        store(a).sessions)


async def test_ten_failures_in_a_row_lock_the_account_for_a_few_minutes(
        accounts: tuple[World, Accounts]) -> None:
    w, a = accounts
    with pytest.raises(SignInFailed) as unknown:
        await a.sign_in("nobody@xinda-cpa.cn", PASSWORD, "t")
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInFailed) as wrong:
            await a.sign_in(EMAIL, "guess", "t")
    assert unknown.value.message == wrong.value.message == SIGN_IN_FAILED
    with pytest.raises(SignInFailed):  # now even the right password
        await a.sign_in(EMAIL, PASSWORD, "t")
    w.hub.clock.advance(minutes=LOCK_MINUTES, seconds=1)
    assert await a.sign_in(EMAIL, PASSWORD, "t")
    (user,) = store(a).users.values()
    assert (user.failed_attempts, user.locked_until) == (0, None)


async def test_an_address_that_failed_too_often_is_refused_even_the_right_password(
        accounts: tuple[World, Accounts]) -> None:
    w, a = accounts
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):  # many accounts, none locked by it
        with pytest.raises(SignInFailed):
            await a.sign_in(f"guess{n}@xinda-cpa.cn", "guess", "t", "203.0.113.7")
    with pytest.raises(SignInFailed):
        await a.sign_in(EMAIL, PASSWORD, "t", "203.0.113.7")
    assert await a.sign_in(EMAIL, PASSWORD, "t", "198.51.100.9")  # another address
    w.hub.clock.advance(seconds=throttle.WINDOW / timedelta(seconds=1))
    assert await a.sign_in(EMAIL, PASSWORD, "t", "203.0.113.7")


async def test_a_hash_made_at_a_lower_cost_is_upgraded_when_its_user_signs_in(
        accounts: tuple[World, Accounts]) -> None:
    _, a = accounts
    a.kdf = PasswordKdf(KdfParameters(time_cost=2, memory_kib=16, parallelism=1))
    (user,) = store(a).users.values()
    before = user.password_hash
    with pytest.raises(SignInFailed):
        await a.sign_in(EMAIL, "not the password", "t")
    assert store(a).users[user.id].password_hash == before  # a wrong one upgrades nothing
    await a.sign_in(EMAIL, PASSWORD, "t")
    after = extract_parameters(store(a).users[user.id].password_hash)
    assert (after.time_cost, after.memory_cost) == (2, 16)
    assert await a.sign_in(EMAIL, PASSWORD, "t")  # still the same password

"""The KDF: argon2id with the stated cost, salted, and a wrong password never matches."""

from __future__ import annotations

from argon2 import extract_parameters

from hub.services.passwords import KdfParameters, PasswordKdf


async def test_passwords_are_hashed_with_argon2id_at_the_stated_cost() -> None:
    kdf = PasswordKdf()
    stored = await kdf.hash("correct horse battery")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$v=19$")
    assert (params.memory_cost, params.time_cost, params.parallelism) == (65536, 3, 4)
    assert params.salt_len == 16 and params.hash_len == 32
    assert "correct horse battery" not in stored


async def test_the_same_password_gets_a_new_salt_each_time() -> None:
    kdf = PasswordKdf(KdfParameters(time_cost=1, memory_kib=8192, parallelism=1))
    first, second = await kdf.hash("秘密口令-0123"), await kdf.hash("秘密口令-0123")
    assert first != second
    assert await kdf.verify(first, "秘密口令-0123") and await kdf.verify(second, "秘密口令-0123")


async def test_a_wrong_password_a_mangled_hash_and_no_hash_do_not_match() -> None:
    kdf = PasswordKdf(KdfParameters(time_cost=1, memory_kib=8192, parallelism=1))
    stored = await kdf.hash("right password")
    assert not await kdf.verify(stored, "wrong password")
    assert not await kdf.verify(stored[:-4] + "AAAA", "right password")
    assert not await kdf.verify("not a hash", "right password")
    assert not await kdf.verify(None, "right password")

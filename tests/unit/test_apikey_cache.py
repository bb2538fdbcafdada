"""Authenticating API keys: a key read lately is trusted briefly, its secret checked each time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from hub.domain.errors import Unauthenticated
from hub.domain.model import OrgKind, Role
from hub.ports import ApiKeyRecord
from hub.services import apikeys
from hub.services.queries import Queries


class Keys:
    """A fake key table that counts its reads."""

    def __init__(self) -> None:
        self.rows: dict[str, ApiKeyRecord] = {}
        self.reads = 0

    def factory(self) -> Any:
        keys = self

        class Uow:
            api_keys = SimpleNamespace(get=keys.get)

            async def __aenter__(self) -> Uow:
                return self

            async def __aexit__(self, *exc: object) -> None:
                return None

        return Uow

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        self.reads += 1
        return self.rows.get(key_id)


def issue(keys: Keys) -> str:
    key_id, key, digest = apikeys.new_key()
    keys.rows[key_id] = ApiKeyRecord(
        id=key_id, org_id="firm-1", role=Role.AUDITOR, secret_hash=digest,
        created_at=datetime(2026, 1, 1, tzinfo=UTC), org_kind=OrgKind.FIRM,
    )
    return key


def revoke(keys: Keys, key: str) -> None:
    key_id = key.split("_")[1]
    keys.rows[key_id] = dataclasses.replace(keys.rows[key_id],
                                            revoked_at=datetime(2026, 1, 2, tzinfo=UTC))


async def test_a_busy_client_reads_its_key_once_per_period() -> None:
    keys = Keys()
    key = issue(keys)
    queries = Queries(keys.factory(), key_cache_seconds=60)

    callers = [await queries.authenticate(key) for _ in range(20)]

    assert {c.org_id for c in callers} == {"firm-1"}
    assert keys.reads == 1


async def test_a_wrong_secret_is_refused_even_for_a_key_read_lately() -> None:
    keys = Keys()
    key = issue(keys)
    queries = Queries(keys.factory(), key_cache_seconds=60)
    await queries.authenticate(key)

    with pytest.raises(Unauthenticated):
        await queries.authenticate(key[:-4] + "AAAA")


async def test_a_revoked_key_stops_working_once_its_period_is_over(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(apikeys.time, "monotonic", lambda: now[0])
    keys = Keys()
    key = issue(keys)
    queries = Queries(keys.factory(), key_cache_seconds=2)
    await queries.authenticate(key)
    revoke(keys, key)

    now[0] += 1.9
    await queries.authenticate(key)  # still within the period
    now[0] += 0.2
    with pytest.raises(Unauthenticated, match="revoked"):
        await queries.authenticate(key)


async def test_without_a_period_every_request_reads_the_key() -> None:
    keys = Keys()
    key = issue(keys)
    queries = Queries(keys.factory(), key_cache_seconds=0)
    await queries.authenticate(key)
    revoke(keys, key)

    with pytest.raises(Unauthenticated):
        await queries.authenticate(key)
    assert keys.reads == 2

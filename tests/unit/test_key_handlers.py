"""API keys on fakes: made for a role its organisation may hold, the secret shown once and
kept hashed; a firm_admin revokes and rotates only its own firm's keys."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.domain.model import Caller, OrgKind, Role
from hub.ports import ApiKeyRecord
from hub.services import apikeys
from tests.unit.fakes import World, outbox, world


@pytest.fixture
def w() -> World:
    return world()


def firm_admin(w: World, org_id: str | None = None) -> Caller:
    return replace(w.auditor, org_id=org_id or w.firm.id, role=Role.FIRM_ADMIN, key_id="fa")


async def create(w: World, org_id: str, role: str = "auditor") -> tuple[ApiKeyRecord, str]:
    made: tuple[ApiKeyRecord, str] = await w.hub.handle(
        commands.CreateApiKey(org_id=org_id, role=role))
    return made


def opens(full_key: str, record: ApiKeyRecord) -> bool:
    """Whether the key shown once authenticates against what was stored."""
    parts = apikeys.split_key(full_key)
    return (parts is not None and parts[0] == record.id
            and apikeys.secret_matches(parts[1], record.secret_hash))


async def test_a_key_is_shown_once_and_only_its_hash_is_kept(w: World) -> None:
    record, full_key = await create(w, w.firm.id, "auditor")
    stored = w.db.api_keys[record.id]
    assert (stored.org_id, stored.role) == (w.firm.id, Role.AUDITOR)
    assert opens(full_key, stored)
    secret = full_key.rsplit("_", 1)[-1]
    assert secret not in repr(stored) and secret not in repr(w.db.events)
    (made,) = w.db.events_of(events.ApiKeyCreated)
    assert (made.key_id, made.org_id, made.role) == (record.id, w.firm.id, "auditor")
    assert outbox(w.db) == []  # the key's history is the log's, not a message


@pytest.mark.parametrize(("org", "role", "error", "field"), [
    ("org-1", "superuser", ValidationFailed, "role"),
    ("org-1", "bank_operator", ValidationFailed, "role"),  # a firm holds no bank's role
    ("org-3", "auditor", ValidationFailed, "role"),  # nor does a bank an auditor's
    ("org-404", "auditor", NotFound, "org"),
])
async def test_a_key_for_a_role_its_organisation_cannot_hold_is_refused(
        w: World, org: str, role: str, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as refused:
        await create(w, org, role)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert not w.db.api_keys and not w.db.events


async def test_a_firm_admin_revokes_its_firms_key_once(w: World) -> None:
    record, _ = await create(w, w.firm.id)
    revoke = commands.RevokeApiKey(key_id=record.id, caller=firm_admin(w))
    await w.hub.handle(revoke)
    assert w.db.api_keys[record.id].revoked_at is not None
    (revoked,) = w.db.events_of(events.ApiKeyRevoked)
    assert (revoked.key_id, revoked.actor) == (record.id, "firm_admin:fa")
    with pytest.raises(Conflict) as again:
        await w.hub.handle(revoke)
    assert again.value.field == "id" and len(w.db.events_of(events.ApiKeyRevoked)) == 1


async def test_keys_stay_within_their_firm_and_their_firm_admin(w: World) -> None:
    record, _ = await create(w, w.firm.id)
    other = w.hub.organisation(OrgKind.FIRM, "另一会计师事务所", 8)
    logged = list(w.db.events)
    for cmd in (commands.RevokeApiKey(key_id=record.id, caller=firm_admin(w, other.id)),
                commands.RotateApiKey(key_id=record.id, caller=firm_admin(w, other.id))):
        with pytest.raises(NotFound) as hidden:  # another firm's key is not even there
            await w.hub.handle(cmd)
        assert hidden.value.field == "id"
    with pytest.raises(Forbidden):
        await w.hub.handle(commands.RevokeApiKey(key_id=record.id, caller=w.auditor))
    assert w.db.api_keys == {record.id: record} and w.db.events == logged

    # The hub admin on the command line (no caller) manages any firm's keys.
    await w.hub.handle(commands.RevokeApiKey(key_id=record.id, actor="cli"))
    assert w.db.api_keys[record.id].revoked_at is not None


async def test_a_rotated_key_is_revoked_and_replaced_by_one_of_the_same_role_in_one_commit(
        w: World) -> None:
    old, _ = await create(w, w.firm.id, "firm_admin")
    commits = w.db.commits
    new, full_key = await w.hub.handle(commands.RotateApiKey(key_id=old.id,
                                                             caller=firm_admin(w)))
    assert w.db.commits == commits + 1
    assert w.db.api_keys[old.id].revoked_at is not None
    assert (new.org_id, new.role, new.id != old.id) == (w.firm.id, Role.FIRM_ADMIN, True)
    assert opens(full_key, w.db.api_keys[new.id])
    rotated = w.db.events_of(events.ApiKeyRotated)
    assert [(e.key_id, e.new_key_id) for e in rotated] == [(old.id, new.id)]

    keys = dict(w.db.api_keys)
    with pytest.raises(Conflict):  # a revoked key is not rotated: nothing new is made
        await w.hub.handle(commands.RotateApiKey(key_id=old.id, caller=firm_admin(w)))
    assert w.db.api_keys == keys

"""Use cases: create, revoke and rotate API keys (hub admins on the CLI, a firm_admin for its
firm)."""

from __future__ import annotations

from hub.domain import commands, events
from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.model import ROLE_ORG_KINDS, Caller, Role
from hub.ports import ApiKeyRecord, UnitOfWork
from hub.services import apikeys
from hub.services.apikeys import require_key_manager
from hub.services.deps import CommandHandler, Deps


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


async def _key_of(uow: UnitOfWork, caller: Caller | None, key_id: str) -> ApiKeyRecord:
    """The key, or NotFound when there is none or it belongs to another organisation."""
    require_key_manager(caller)
    record = await uow.api_keys.get(key_id)
    if record is None or (caller is not None and record.org_id != caller.org_id):
        raise NotFound(f"no API key {key_id}", field="id")
    return record


async def revoke_api_key(cmd: commands.RevokeApiKey, uow: UnitOfWork,
                         deps: Deps) -> ApiKeyRecord:
    """Revoke the key; it stops working at once (see Queries.forget_key for the key cache)."""
    record = await _key_of(uow, cmd.caller, cmd.key_id)
    if not await uow.api_keys.revoke(record.id):
        raise Conflict(f"API key {record.id} is revoked already", field="id")
    actor = cmd.caller.actor if cmd.caller is not None else cmd.actor
    uow.record(events.ApiKeyRevoked(at=deps.clock.now(), actor=actor, key_id=record.id,
                                    org_id=record.org_id))
    return record


async def rotate_api_key(cmd: commands.RotateApiKey, uow: UnitOfWork,
                         deps: Deps) -> tuple[ApiKeyRecord, str]:
    """Revoke the key and make its replacement (same organisation and role), in one commit:
    the new key and the full secret to show once."""
    old = await _key_of(uow, cmd.caller, cmd.key_id)
    if not await uow.api_keys.revoke(old.id):
        raise Conflict(f"API key {old.id} is revoked already", field="id")
    key_id, full_key, secret_hash = apikeys.new_key()
    now = deps.clock.now()
    record = ApiKeyRecord(id=key_id, org_id=old.org_id, role=old.role,
                          secret_hash=secret_hash, created_at=now, org_kind=old.org_kind)
    await uow.api_keys.add(record)
    actor = cmd.caller.actor if cmd.caller is not None else cmd.actor
    uow.record(events.ApiKeyRotated(at=now, actor=actor, key_id=old.id, org_id=old.org_id,
                                    new_key_id=key_id))
    uow.record(events.ApiKeyCreated(at=now, actor=actor, key_id=key_id, org_id=old.org_id,
                                    role=old.role.value))
    return record, full_key


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.CreateApiKey: create_api_key,
    commands.RevokeApiKey: revoke_api_key,
    commands.RotateApiKey: rotate_api_key,
}

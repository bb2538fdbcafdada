"""Registry use cases: admins register, change, verify (four eyes) and retire responders."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.domain.model import Caller, Organisation, OrgKind, Role
from hub.domain.responders import (
    Channel,
    Contact,
    Responder,
    ResponderStatus,
    SigningCertificate,
    conflict_uscc,
)
from hub.domain.uscc import validate_uscc
from hub.ports import UnitOfWork
from hub.services.deps import CommandHandler, Deps


def _require_admin(caller: Caller) -> None:
    if caller.role is not Role.ADMIN:
        raise Forbidden("only a hub admin may change the responder registry")


def _contacts(raw: Any) -> tuple[Contact, ...]:
    out = []
    for i, c in enumerate(raw or ()):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise ValidationFailed("a contact needs a name", field=f"/contacts/{i}/name")
        out.append(Contact(name=c["name"].strip(), email=c.get("email"), phone=c.get("phone"),
                           title=c.get("title")))
    return tuple(out)


def _certificates(raw: Any, deps: Deps) -> tuple[SigningCertificate, ...]:
    out = []
    for i, pem in enumerate(raw or ()):
        try:
            out.append(deps.certificate_reader(pem))
        except ValueError as e:
            raise ValidationFailed(str(e), field=f"/certificates/{i}") from e
    return tuple(out)


def _shown(value: Any) -> Any:
    """A changed value as the version history keeps it (certificates without their PEM)."""
    if isinstance(value, tuple):
        return [_shown(v) for v in value]
    if isinstance(value, SigningCertificate):
        return {"sha256": value.sha256, "subject": value.subject}
    if isinstance(value, Contact):
        return {k: v for k, v in vars(value).items() if v is not None}
    return value.value if hasattr(value, "value") else value


def _record(uow: UnitOfWork, r: Responder, action: str, actor: str, at: datetime,
            changes: dict[str, tuple[Any, Any]]) -> None:
    uow.record(events.ResponderRecorded(
        at=at, actor=actor, responder_id=r.id, action=action, version=r.version,
        status=r.status.value,
        changes={k: [_shown(old), _shown(new)] for k, (old, new) in sorted(changes.items())},
    ))


async def _organisation(uow: UnitOfWork, kind: OrgKind, name: str, uscc: str,
                        actor: str, at: datetime) -> Organisation:
    """The organisation the entry stands for (its keys act for it), made if it is new."""
    org = await uow.organisations.by_uscc(uscc)
    if org is None:
        org = Organisation(id=str(uuid.uuid4()), kind=kind, name=name, uscc=uscc, created_at=at)
        await uow.organisations.add(org)
        uow.record(events.OrganisationCreated(at=at, actor=actor, org_id=org.id,
                                              kind=kind.value, org_name=name, uscc=uscc))
    elif org.kind is not kind:
        raise ValidationFailed(f"统一社会信用代码 {uscc} belongs to a {org.kind.value}",
                               field="/uscc")
    return org


async def _parent(uow: UnitOfWork, parent_id: str | None, kind: OrgKind) -> None:
    if parent_id is None:
        return
    parent = await uow.responders.get(parent_id)
    if parent is None or parent.kind is not kind:
        raise ValidationFailed(f"no {kind.value} entry {parent_id} to be the head office",
                               field="/parent_id")


async def register_responder(cmd: commands.RegisterResponder, uow: UnitOfWork,
                             deps: Deps) -> Responder:
    _require_admin(cmd.caller)
    try:
        kind = OrgKind(cmd.kind)
    except ValueError as e:
        raise ValidationFailed(f"unknown kind {cmd.kind!r}", field="/kind") from e
    try:
        channel = Channel(cmd.channel)
    except ValueError as e:
        raise ValidationFailed(f"unknown channel {cmd.channel!r}", field="/channel") from e
    validate_uscc(cmd.uscc, field="/uscc")
    existing = await uow.responders.by_uscc(cmd.uscc)
    if existing is not None and existing.status is not ResponderStatus.RETIRED:
        raise conflict_uscc(cmd.uscc)
    now, actor = deps.clock.now(), cmd.caller.actor
    await _parent(uow, cmd.parent_id, kind)
    entry = Responder(
        id=str(uuid.uuid4()), org_id="", kind=kind, name=cmd.name.strip(), uscc=cmd.uscc,
        channel=channel, created_at=now, updated_at=now, updated_by=actor,
        bank_code=cmd.bank_code, parent_id=cmd.parent_id, reply_scope=cmd.reply_scope.strip(),
        endpoint=cmd.endpoint, contacts=_contacts(cmd.contacts),
        certificates=_certificates(cmd.certificates, deps),
    )
    org = await _organisation(uow, kind, entry.name, entry.uscc, actor, now)
    entry = replace(entry, org_id=org.id)
    await uow.responders.add(entry)
    _record(uow, entry, "registered", actor, now, {
        k: (None, getattr(entry, k)) for k in (
            "kind", "name", "uscc", "bank_code", "parent_id", "reply_scope", "channel",
            "endpoint", "contacts", "certificates", "status")
    })
    return entry


async def _current(uow: UnitOfWork, responder_id: str, version: int) -> Responder:
    r = await uow.responders.get(responder_id, for_update=True)
    if r is None:
        raise NotFound("no such registry entry")
    if r.version != version:
        raise Conflict(f"the entry is at version {r.version}, not {version}; read it again",
                       field="/version")
    return r


async def change_responder(cmd: commands.ChangeResponder, uow: UnitOfWork,
                           deps: Deps) -> Responder:
    _require_admin(cmd.caller)
    r = await _current(uow, cmd.responder_id, cmd.version)
    changes = dict(cmd.changes)
    if "channel" in changes:
        try:
            changes["channel"] = Channel(changes["channel"])
        except ValueError as e:
            raise ValidationFailed(f"unknown channel {changes['channel']!r}",
                                   field="/channel") from e
    if "contacts" in changes:
        changes["contacts"] = _contacts(changes["contacts"])
    if "certificates" in changes:
        changes["certificates"] = _certificates(changes["certificates"], deps)
    if "parent_id" in changes:
        await _parent(uow, changes["parent_id"], r.kind)
    now, actor = deps.clock.now(), cmd.caller.actor
    new, diff = r.changed(changes, at=now, actor=actor)
    if not diff:
        return r
    await uow.responders.save(new, expected_version=r.version)
    _record(uow, new, "changed", actor, now, diff)
    return new


async def verify_responder(cmd: commands.VerifyResponder, uow: UnitOfWork,
                           deps: Deps) -> Responder:
    return await _status_change(uow, deps, cmd.caller, cmd.responder_id, cmd.version,
                                "verified", None)


async def retire_responder(cmd: commands.RetireResponder, uow: UnitOfWork,
                           deps: Deps) -> Responder:
    return await _status_change(uow, deps, cmd.caller, cmd.responder_id, cmd.version,
                                "retired", cmd.reason)


async def _status_change(uow: UnitOfWork, deps: Deps, caller: Caller, responder_id: str,
                         version: int, action: str, reason: str | None) -> Responder:
    """Verify or retire the entry read at `version`, and record it in its history."""
    _require_admin(caller)
    r = await _current(uow, responder_id, version)
    now, actor = deps.clock.now(), caller.actor
    new = r.verified(at=now, actor=actor) if action == "verified" else \
        r.retired(at=now, actor=actor)
    await uow.responders.save(new, expected_version=r.version)
    changes: dict[str, tuple[Any, Any]] = {"status": (r.status, new.status)}
    if reason:
        changes["reason"] = (None, reason)
    _record(uow, new, action, actor, now, changes)
    return new


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.RegisterResponder: register_responder,
    commands.ChangeResponder: change_responder,
    commands.VerifyResponder: verify_responder,
    commands.RetireResponder: retire_responder,
}

"""Read-side use cases: authentication and tenant-scoped lookups."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hub.domain.errors import Forbidden, NotFound, Unauthenticated
from hub.domain.model import Caller, Confirmation, Document, Engagement, Role
from hub.domain.procedures import AlternativeProcedure
from hub.domain.replies import Reply, ReplyException, ReplyStatus
from hub.domain.responders import Responder, ResponderStatus
from hub.ports import (
    ApiKeyRecord,
    BlobStore,
    ConfirmationFilter,
    HistoryEntry,
    LetterTablePage,
    LetterTableQuery,
    Page,
    ResponderQuery,
    UnitOfWorkFactory,
)
from hub.services import apikeys, sheet_facts
from hub.services.deps import client_name_of
from hub.services.sheet_facts import SheetFacts

KEY_CACHE_SECONDS = 2.0
"""How long a looked-up API key is trusted before it is read again (revocation delay)."""


class Queries:
    """Reads that need no command: every one is scoped to the caller's organisation."""

    def __init__(self, uow_factory: UnitOfWorkFactory, blobs: BlobStore | None = None,
                 *, key_cache_seconds: float = KEY_CACHE_SECONDS) -> None:
        self.uow_factory = uow_factory
        self.blobs = blobs
        self._keys = apikeys.KeyCache(key_cache_seconds)

    async def authenticate(self, presented: str) -> Caller:
        """The caller a presented key stands for; a key revoked in the database stops working
        within `key_cache_seconds` (a busy client's every request would read it otherwise)."""
        parts = apikeys.split_key(presented)
        if parts is None:
            raise Unauthenticated("malformed API key")
        key_id, secret = parts
        record = self._keys.get(key_id)
        if record is None:
            async with self.uow_factory() as uow:
                record = await uow.api_keys.get(key_id)
            if record is not None:
                self._keys.put(record)
        if (
            record is None
            or record.revoked_at is not None
            or not apikeys.secret_matches(secret, record.secret_hash)
        ):
            raise Unauthenticated("unknown or revoked API key")
        if record.org_kind is None:
            raise Unauthenticated("the key's organisation no longer exists")
        return Caller(
            org_id=record.org_id, org_kind=record.org_kind, role=record.role, key_id=record.id
        )

    def forget_key(self, key_id: str) -> None:
        """Drop a revoked key from this process's cache so it stops working at once here
        (other processes trust their copy for at most `key_cache_seconds`)."""
        self._keys.drop(key_id)

    async def api_keys(self, caller: Caller) -> list[ApiKeyRecord]:
        """The keys of the caller's own organisation (a firm_admin's view; never a secret)."""
        apikeys.require_key_manager(caller)
        async with self.uow_factory() as uow:
            return await uow.api_keys.of_org(caller.org_id)

    async def engagement(self, caller: Caller, engagement_id: str) -> Engagement:
        async with self.uow_factory() as uow:
            e = await uow.engagements.get(engagement_id, caller)
        if e is None:
            raise NotFound("no such engagement")
        return e

    async def engagements(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> tuple[list[Engagement], str | None]:
        """One page of the caller's engagements and the cursor of the next (None at the end)."""
        async with self.uow_factory() as uow:
            found = await uow.engagements.list(caller, limit + 1, cursor)
            more = len(found) > limit
            page = found[:limit]
            return page, uow.engagements.cursor_after(page[-1]) if more else None

    async def confirmation(self, caller: Caller, confirmation_id: str) -> Confirmation:
        async with self.uow_factory() as uow:
            c = await uow.confirmations.get(confirmation_id, caller)
        if c is None:
            raise NotFound("no such confirmation")
        return c

    async def confirmations(self, caller: Caller, flt: ConfirmationFilter) -> Page:
        async with self.uow_factory() as uow:
            return await uow.confirmations.list(caller, flt)

    async def history(self, caller: Caller, confirmation_id: str) -> list[HistoryEntry]:
        async with self.uow_factory() as uow:
            c = await uow.confirmations.get(confirmation_id, caller)
            if c is None:
                raise NotFound("no such confirmation")
            return await uow.confirmations.history(confirmation_id)

    async def document(self, caller: Caller, confirmation_id: str, kind: str) -> bytes:
        """A stored document (e.g. the signed letter) of a confirmation the caller may see."""
        async with self.uow_factory() as uow:
            c = await uow.confirmations.get(confirmation_id, caller)
            if c is None:
                raise NotFound("no such confirmation")
            doc = await uow.documents.get(confirmation_id, kind)
        if doc is None or self.blobs is None:
            raise NotFound(f"the {kind} of this confirmation is not made yet")
        return await self.blobs.get(doc.sha256)

    # ------------------------------------------------------------------ the responder registry

    async def responders(self, caller: Caller, query: ResponderQuery) -> list[Responder]:
        """提供方信息查询: firms and admins search the registry (firms see live entries)."""
        _require_registry_reader(caller)
        if caller.role is not Role.ADMIN and query.status is None:
            query = replace(query, status=ResponderStatus.VERIFIED)
        async with self.uow_factory() as uow:
            return await uow.responders.search(query)

    async def responder(self, caller: Caller, responder_id: str) -> Responder:
        _require_registry_reader(caller)
        async with self.uow_factory() as uow:
            r = await uow.responders.get(responder_id)
        if r is None:
            raise NotFound("no such registry entry")
        return r

    async def responder_history(self, caller: Caller, responder_id: str) -> list[HistoryEntry]:
        _require_registry_reader(caller)
        async with self.uow_factory() as uow:
            if await uow.responders.get(responder_id) is None:
                raise NotFound("no such registry entry")
            return await uow.responders.history(responder_id)


    # ------------------------------------------------------------------ a bank's inbox

    async def inbox(self, caller: Caller, flt: ConfirmationFilter
                    ) -> tuple[Page, dict[str, tuple[str, str]]]:
        """Letters sent to the caller's bank (the repository's bank scope), with the name (as
        the letter's firm gave it) and 统一社会信用代码 of each audited entity by engagement id."""
        _require_bank(caller)
        async with self.uow_factory() as uow:
            page = await uow.confirmations.list(caller, flt)
            clients = {}
            for c in {c.engagement_id: c for c in page.items}.values():
                org = await uow.organisations.get(c.client_org_id)
                name = await client_name_of(uow, c.engagement_id, c.client_org_id)
                clients[c.engagement_id] = (name, org.uscc if org is not None else "")
        return page, clients

    async def inbox_item(self, caller: Caller, confirmation_id: str
                         ) -> tuple[Confirmation, tuple[str, str]]:
        """One letter sent to the caller's bank, with its audited entity (name, uscc)."""
        _require_bank(caller)
        async with self.uow_factory() as uow:
            c = await uow.confirmations.get(confirmation_id, caller)
            if c is None:
                raise NotFound("no such letter in this inbox")
            org = await uow.organisations.get(c.client_org_id)
            name = await client_name_of(uow, c.engagement_id, c.client_org_id)
        return c, (name, org.uscc if org is not None else "")

    async def inbox_letter(self, caller: Caller, confirmation_id: str) -> bytes:
        _require_bank(caller)
        async with self.uow_factory() as uow:
            c = await uow.confirmations.get(confirmation_id, caller)
            if c is None:
                raise NotFound("no such letter in this inbox")
            doc = await uow.documents.get(c.id, "letter")
        if doc is None or self.blobs is None:
            raise NotFound("the letter is not made yet")
        return await self.blobs.get(doc.sha256)

    async def procedures(self, caller: Caller, confirmation_id: str
                         ) -> list[AlternativeProcedure]:
        """The alternative procedures (替代程序) noted on a confirmation, oldest first."""
        async with self.uow_factory() as uow:
            if await uow.confirmations.get(confirmation_id, caller) is None:
                raise NotFound("no such confirmation")
            return await uow.procedures.of([confirmation_id])

    async def control_sheet(self, caller: Caller, engagement_id: str) -> SheetFacts:
        """Everything the control sheet (函证控制表) of a firm's engagement shows."""
        async with self.uow_factory() as uow:
            return await sheet_facts.read(uow, caller, engagement_id)

    async def replies(self, caller: Caller, confirmation_id: str
                      ) -> tuple[list[Reply], list[ReplyException]]:
        """A confirmation's replies (accepted and rejected) and its exceptions."""
        async with self.uow_factory() as uow:
            if await uow.confirmations.get(confirmation_id, caller) is None:
                raise NotFound("no such confirmation")
            return await uow.replies.of(confirmation_id), await uow.replies.exceptions(
                confirmation_id)

    async def reply_pdf(self, caller: Caller, confirmation_id: str) -> bytes:
        """The signed reply that verified the confirmation (else the newest one received)."""
        found, _ = await self.replies(caller, confirmation_id)
        if not found or self.blobs is None:
            raise NotFound("no reply has come for this confirmation yet")
        accepted = [r for r in found if r.status is ReplyStatus.ACCEPTED]
        return await self.blobs.get((accepted or found)[-1].sha256)

    async def workpapers(self, caller: Caller, after: int, limit: int
                         ) -> list[tuple[int, Document, dict[str, Any]]]:
        """The caller's firm's workpapers made after position `after` (the pull feed)."""
        if not caller.is_firm:
            raise Forbidden("the workpaper feed is for firm keys")
        async with self.uow_factory() as uow:
            return await uow.documents.workpapers_after(caller.org_id, after, limit)

    # ------------------------------------------------------------------ the firm web UI

    async def client_names(self, caller: Caller, found: list[Engagement]) -> dict[str, str]:
        """The audited entity's name of each of the caller's engagements, by engagement id."""
        names: dict[str, str] = {}
        async with self.uow_factory() as uow:
            for e in found:
                if e.firm_org_id != caller.org_id:
                    continue
                if e.client_name:
                    names[e.id] = e.client_name
                    continue
                org = await uow.organisations.get(e.client_org_id)
                names[e.id] = org.name if org is not None else ""
        return names

    async def letter_table(self, caller: Caller, query: LetterTableQuery) -> LetterTablePage:
        """One page of one of the caller's engagements' letters, filtered and searched, overdue
        ones first (the web UI's table); NotFound for another firm's engagement."""
        await self.engagement(caller, query.engagement_id)
        async with self.uow_factory() as uow:
            return await uow.confirmations.table(caller, query)


def _require_bank(caller: Caller) -> None:
    if caller.role is not Role.BANK_OPERATOR:
        raise Forbidden("the inbox is for bank_operator keys")


def _require_registry_reader(caller: Caller) -> None:
    if caller.role is not Role.ADMIN and not caller.is_firm:
        raise Forbidden("the responder registry is open to firms and hub admins")

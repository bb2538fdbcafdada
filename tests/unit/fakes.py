"""In-memory fakes of the ports the use-case handlers need, and a real MessageBus over them.

As in cosmicpython's FakeRepository / FakeUnitOfWork: no database and no broker, but the
promises the SQL repositories keep (hub.db.uow, hub.db.confirmations) are kept here too:

- nothing a unit of work writes is seen by others until it commits; leaving it without a
  commit, or rolling back, drops its writes and its events;
- a confirmation is saved at commit only if it is still at the version it was read at
  (StaleWrite otherwise), and the events its aggregate recorded are collected then, with the
  ones the handler recorded, in the order they happened, into the event log;
- the unique keys raise what the real ones raise: DuplicateIdempotencyKey for a reused
  Idempotency-Key, Conflict for a letter number or an active business key already taken,
  Conflict for a second live registry entry of one 统一社会信用代码;
- a caller sees only its organisation's rows (a bank only the letters sent to it).
"""

from __future__ import annotations

import builtins
import copy
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from hub.domain import commands, events
from hub.domain.calendar import WorkingDayCalendar
from hub.domain.errors import Conflict, DuplicateIdempotencyKey, NotFound, StaleWrite
from hub.domain.events import Event
from hub.domain.model import (
    ACTIVE,
    AWAITING_REPLY,
    Caller,
    Confirmation,
    Document,
    Engagement,
    Mode,
    Organisation,
    OrgKind,
    Role,
    Status,
)
from hub.domain.portal import PortalLink
from hub.domain.procedures import AlternativeProcedure
from hub.domain.replies import Reply, ReplyException
from hub.domain.responders import (
    Channel,
    Contact,
    Responder,
    ResponderStatus,
    SigningCertificate,
    conflict_uscc,
)
from hub.domain.uscc import make_uscc
from hub.domain.users import WebSession, WebUser
from hub.domain.webhooks import Webhook
from hub.ports import (
    ApiKeyRecord,
    ConfirmationFilter,
    HistoryEntry,
    LetterTablePage,
    LetterTableQuery,
    Page,
    ReplyCheck,
    ResponderQuery,
    UnitOfWork,
    WorkpaperInput,
)
from hub.services.deps import Deps
from hub.services.messagebus import MessageBus

CST = timezone(timedelta(hours=8))
K = TypeVar("K")
V = TypeVar("V")

BANK_VISIBLE = frozenset({Status.DISPATCHED, Status.DELIVERED, Status.RETURNED, Status.REPLIED,
                          Status.VERIFIED, Status.WORKPAPER_DELIVERED})
"""What a bank sees of the letters sent to it (hub.db._support.BANK_VISIBLE)."""


# --------------------------------------------------------------------------- the database


@dataclass
class FakeDatabase:
    """What has been committed; each unit of work stages its writes until its commit."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    engagements: dict[str, Engagement] = field(default_factory=dict)
    confirmations: dict[str, Confirmation] = field(default_factory=dict)
    responders: dict[str, Responder] = field(default_factory=dict)
    replies: dict[str, Reply] = field(default_factory=dict)
    exceptions: list[tuple[str, str, ReplyException]] = field(default_factory=list)
    documents: dict[tuple[str, str], Document] = field(default_factory=dict)
    portal_links: dict[str, PortalLink] = field(default_factory=dict)
    procedures: dict[str, AlternativeProcedure] = field(default_factory=dict)
    webhooks: dict[tuple[str, str | None], Webhook] = field(default_factory=dict)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    """The event log: every event committed, in commit order."""
    commits: int = 0
    fail_commit: bool = False
    """Make the next commits fail as a lost connection would (nothing is kept)."""
    before_next_commit: Callable[[], Awaitable[None]] | None = None
    """Run once, just before the next commit writes: another request committing in between
    (a race the test wants to lose)."""

    def event_names(self, confirmation_id: str | None = None) -> list[str]:
        """The committed events' names (of one confirmation, if given), in order."""
        return [e.name for e in self.events
                if confirmation_id is None or getattr(e, "confirmation_id", None)
                == confirmation_id]

    def events_of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


class _Staged(Generic[K, V]):
    """A table seen through one unit of work: committed rows overlaid by its own writes."""

    def __init__(self, committed: dict[K, V]) -> None:
        self.committed = committed
        self.staged: dict[K, V] = {}
        self.deleted: set[K] = set()

    def get(self, key: K) -> V | None:
        if key in self.deleted:
            return None
        if key in self.staged:
            return self.staged[key]
        return self.committed.get(key)

    def rows(self) -> list[V]:
        merged = {**self.committed, **self.staged}
        return [v for k, v in merged.items() if k not in self.deleted]

    def put(self, key: K, value: V) -> None:
        self.deleted.discard(key)
        self.staged[key] = value

    def delete(self, key: K) -> None:
        self.staged.pop(key, None)
        self.deleted.add(key)

    def apply(self) -> None:
        self.committed.update(self.staged)
        for key in self.deleted:
            self.committed.pop(key, None)
        self.staged = {}
        self.deleted = set()

    def drop(self) -> None:
        self.staged = {}
        self.deleted = set()


def _sees_engagement(caller: Caller | None, e: Engagement) -> bool:
    if caller is None:
        return True
    if caller.is_firm:
        return e.firm_org_id == caller.org_id
    if caller.role is Role.CLIENT_SIGNER:
        return e.client_org_id == caller.org_id
    return False


def _sees(caller: Caller | None, c: Confirmation) -> bool:
    """hub.db._support.confirmation_scope in Python."""
    if caller is None:
        return True
    if caller.is_firm:
        return c.firm_org_id == caller.org_id
    if caller.role is Role.CLIENT_SIGNER:
        return c.client_org_id == caller.org_id
    if caller.role is Role.BANK_OPERATOR:
        return c.responder_org_id == caller.org_id and c.status in BANK_VISIBLE
    return False


# --------------------------------------------------------------------------- repositories


class FakeOrganisations:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.organisations)

    async def add(self, org: Organisation) -> None:
        if any(o.uscc == org.uscc for o in self.t.rows()):
            raise Conflict(f"an organisation with 统一社会信用代码 {org.uscc} exists", field="uscc")
        if self.t.get(org.id) is not None:
            raise Conflict(f"organisation {org.id} exists", field="id")
        self.t.put(org.id, org)

    async def get(self, org_id: str) -> Organisation | None:
        return self.t.get(org_id)

    async def by_uscc(self, uscc: str) -> Organisation | None:
        return next((o for o in self.t.rows() if o.uscc == uscc), None)


class FakeApiKeys:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.api_keys)
        self._orgs = db.organisations

    async def add(self, key: ApiKeyRecord) -> None:
        if self.t.get(key.id) is not None:
            raise Conflict(f"API key id {key.id} exists", field="id")
        self.t.put(key.id, key)

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        key = self.t.get(key_id)
        if key is None:
            return None
        org = self._orgs.get(key.org_id)
        return replace(key, org_kind=org.kind if org else None)

    async def revoke(self, key_id: str) -> bool:
        key = self.t.get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        self.t.put(key_id, replace(key, revoked_at=datetime.now(UTC)))
        return True

    async def of_org(self, org_id: str | None) -> list[ApiKeyRecord]:
        keys = [k for k in self.t.rows() if org_id is None or k.org_id == org_id]
        return sorted(keys, key=lambda k: (k.created_at, k.id))


class FakeEngagements:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.engagements)

    async def add(self, engagement: Engagement) -> None:
        if self.t.get(engagement.id) is not None:
            raise Conflict(f"engagement {engagement.id} exists", field="id")
        self.t.put(engagement.id, engagement)

    async def get(self, engagement_id: str, caller: Caller | None) -> Engagement | None:
        e = self.t.get(engagement_id)
        return e if e is not None and _sees_engagement(caller, e) else None

    async def list(self, caller: Caller, limit: int, cursor: str | None
                   ) -> builtins.list[Engagement]:
        rows = sorted((e for e in self.t.rows() if _sees_engagement(caller, e)),
                      key=lambda e: (e.created_at, e.id))
        if cursor is not None:
            rows = [e for e in rows if self.cursor_after(e) > cursor]
        return rows[:limit]

    def cursor_after(self, engagement: Engagement) -> str:
        return f"{engagement.created_at.isoformat()}|{engagement.id}"


class FakeDocuments:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.documents)

    async def add(self, document: Document) -> None:
        key = (document.confirmation_id, document.kind)
        if self.t.get(key) is not None:
            raise Conflict(
                f"confirmation {document.confirmation_id} has a {document.kind} already")
        self.t.put(key, document)

    async def get(self, confirmation_id: str, kind: str) -> Document | None:
        return self.t.get((confirmation_id, kind))

    async def workpapers_after(self, firm_org_id: str, after: int, limit: int
                               ) -> builtins.list[tuple[int, Document, dict[str, Any]]]:
        raise NotImplementedError("not faked: no handler under unit test reads it")


def _row(c: Confirmation) -> Confirmation:
    """A copy as a row would hold it (no pending events)."""
    row = copy.deepcopy(c)
    row.pending_events = []
    return row


@dataclass
class _Tracked:
    confirmation: Confirmation
    read: Confirmation
    """A copy as it was read (or inserted): the version to match and what to compare with."""


class FakeConfirmations:
    """Tracks what it adds or loads; the unit of work flushes the changed ones at commit."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._tracked: dict[str, _Tracked] = {}
        self._inserted: dict[str, Confirmation] = {}

    # writes

    async def add(self, confirmation: Confirmation) -> None:
        await self.add_all([confirmation])

    async def add_all(self, confirmations: Sequence[Confirmation]) -> None:
        """As the SQL one: each row that collides with no unique key is inserted; the first
        that collides raises (the caller then rolls back)."""
        for c in confirmations:
            conflict = self._collision(c)
            if conflict is not None:
                raise conflict
            self._inserted[c.id] = _row(c)
            self._tracked[c.id] = _Tracked(c, _row(c))

    def _rows(self) -> list[Confirmation]:
        """What a query in this unit of work sees: committed rows and its own inserts."""
        return list({**self._db.confirmations, **self._inserted}.values())

    def _collision(self, c: Confirmation, rows: list[Confirmation] | None = None
                   ) -> Conflict | None:
        """hub.db.confirmations._collision: the Idempotency-Key first, then the letter number,
        then the active business key, else the id."""
        others = self._rows() if rows is None else rows
        if c.idempotency_key and any(
                r.firm_org_id == c.firm_org_id and r.idempotency_key == c.idempotency_key
                for r in others):
            return DuplicateIdempotencyKey(
                "this Idempotency-Key was already used for another confirmation of this firm",
                field="Idempotency-Key")
        if any(r.firm_org_id == c.firm_org_id and r.letter_number == c.letter_number
               for r in others):
            return Conflict(f"letter number (函证编号) {c.letter_number} is already used by "
                            "another confirmation of this firm", field="/letter/letter_number")
        if c.status in ACTIVE and any(r.business_key == c.business_key and r.status in ACTIVE
                                      for r in others):
            return _business_key_taken()
        if any(r.id == c.id for r in others):
            return Conflict(f"confirmation {c.id} exists", field="id")
        return None

    def flush(self) -> dict[str, Confirmation]:
        """The rows to write: new ones, and changed ones still at the version read (else
        StaleWrite); the active business key stays unique (Conflict)."""
        out: dict[str, Confirmation] = {}
        for cid, t in self._tracked.items():
            c = t.confirmation
            if cid in self._inserted:
                conflict = self._collision(c, list(self._db.confirmations.values()))
                if conflict is not None:  # a concurrent unit of work committed it first
                    raise conflict
                if c != t.read:  # changed after its INSERT: the UPDATE counts a version
                    c.version = max(c.version, t.read.version + 1)
                out[cid] = _row(c)
                continue
            if c == t.read:
                continue
            stored = self._db.confirmations.get(cid)
            if stored is None or stored.version != t.read.version:
                raise StaleWrite(f"confirmation {cid} was changed by another request after it "
                                 "was read; nothing was saved, try again")
            if c.status in ACTIVE and any(
                    r.id != cid and r.business_key == c.business_key and r.status in ACTIVE
                    for r in self._db.confirmations.values()):
                raise _business_key_taken()
            c.version = max(c.version, t.read.version + 1)
            out[cid] = _row(c)
        return out

    def collect_events(self) -> builtins.list[events.Event]:
        return [e for t in self._tracked.values() for e in t.confirmation.take_events()]

    def committed(self, rows: dict[str, Confirmation]) -> None:
        self._db.confirmations.update(rows)
        self._inserted = {}
        self._tracked = {cid: _Tracked(t.confirmation, _row(t.confirmation))
                         for cid, t in self._tracked.items()}

    def forget(self) -> None:
        self._tracked = {}
        self._inserted = {}

    # reads

    async def get(self, confirmation_id: str, caller: Caller | None, *,
                  for_update: bool = False) -> Confirmation | None:
        row = self._inserted.get(confirmation_id) or self._db.confirmations.get(confirmation_id)
        if row is None or not _sees(caller, row):
            return None
        return self._load(row, refresh=for_update)

    def _load(self, row: Confirmation, *, refresh: bool = False) -> Confirmation:
        """hub.db.confirmations._load: a tracked object is returned as it is in memory; a
        locking read replaces a tracked copy unchanged in memory but older than the row."""
        t = self._tracked.get(row.id)
        if (refresh and t is not None and row.version != t.read.version
                and t.confirmation == t.read and row.id not in self._inserted):
            del self._tracked[row.id]
            t = None
        if t is None:
            t = self._tracked[row.id] = _Tracked(_row(row), _row(row))
        return t.confirmation

    async def by_idempotency_key(self, firm_org_id: str, key: str) -> Confirmation | None:
        row = next((r for r in self._rows()
                    if r.firm_org_id == firm_org_id and r.idempotency_key == key), None)
        return None if row is None else self._load(row)

    async def list(self, caller: Caller, flt: ConfirmationFilter) -> Page:
        rows = sorted((r for r in self._rows() if _sees(caller, r)
                       and (flt.engagement_id is None or r.engagement_id == flt.engagement_id)
                       and (flt.status is None or r.status is flt.status)
                       and (flt.statuses is None or r.status in flt.statuses)),
                      key=lambda r: (r.created_at, r.id))
        if flt.cursor is not None:
            rows = [r for r in rows if f"{r.created_at.isoformat()}|{r.id}" > flt.cursor]
        items = [self._load(r) for r in rows[:flt.limit]]
        more = len(rows) > flt.limit
        cursor = f"{items[-1].created_at.isoformat()}|{items[-1].id}" if more else None
        return Page(items=items, next_cursor=cursor)

    async def table(self, caller: Caller, query: LetterTableQuery) -> LetterTablePage:
        raise NotImplementedError("not faked: no handler under unit test reads it")

    async def due_for_expiry(self, today: date, limit: int) -> Sequence[str]:
        rows = sorted((r for r in self._rows() if r.status is Status.AWAITING_AUTHORISATION
                       and r.authorisation_due is not None and r.authorisation_due < today),
                      key=lambda r: (r.authorisation_due, r.id))
        return [r.id for r in rows[:limit]]

    async def awaiting_reply_since(self, today: date, limit: int) -> Sequence[str]:
        rows = sorted((r for r in self._rows() if r.status.value in AWAITING_REPLY
                       and r.reply_due is not None and r.reply_due < today),
                      key=lambda r: (r.reply_due, r.id))
        return [r.id for r in rows[:limit]]

    async def history(self, confirmation_id: str) -> builtins.list[HistoryEntry]:
        return [HistoryEntry(seq=i, event_type=e.name, at=e.at, actor=e.actor, data=e.data(),
                             hash=None)
                for i, e in enumerate(self._db.events, 1)
                if e.aggregate_type == "confirmation" and e.aggregate_id == confirmation_id]


def _business_key_taken() -> Conflict:
    return Conflict("an active confirmation with the same engagement, responder, 函证基准日, "
                    "letter type and scope exists; cancel it first, or change the scope",
                    field="/letter")


class FakeResponders:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.responders)

    async def add(self, responder: Responder) -> None:
        if any(r.uscc == responder.uscc and r.status is not ResponderStatus.RETIRED
               for r in self.t.rows()) and responder.status is not ResponderStatus.RETIRED:
            raise conflict_uscc(responder.uscc)
        self.t.put(responder.id, responder)

    async def get(self, responder_id: str, *, for_update: bool = False) -> Responder | None:
        return self.t.get(responder_id)

    async def by_uscc(self, uscc: str) -> Responder | None:
        rows = [r for r in self.t.rows() if r.uscc == uscc]
        live = [r for r in rows if r.status is not ResponderStatus.RETIRED]
        if live:
            return live[0]
        return max(rows, key=lambda r: r.updated_at, default=None)

    async def save(self, responder: Responder, *, expected_version: int) -> None:
        stored = self.t.get(responder.id)
        if stored is None or stored.version != expected_version:
            raise Conflict("the registry entry was changed meanwhile; read it again",
                           field="version")
        if responder.status is not ResponderStatus.RETIRED and any(
                r.id != responder.id and r.uscc == responder.uscc
                and r.status is not ResponderStatus.RETIRED for r in self.t.rows()):
            raise conflict_uscc(responder.uscc)
        self.t.put(responder.id, responder)

    async def search(self, query: ResponderQuery) -> builtins.list[Responder]:
        q = query.q
        rows = [r for r in self.t.rows()
                if (q is None or q in r.name or r.uscc == q or r.bank_code == q)
                and (query.kind is None or r.kind is query.kind)
                and (query.status is None or r.status is query.status)]
        return sorted(rows, key=lambda r: (r.name, r.id))[:query.limit]

    async def history(self, responder_id: str) -> builtins.list[HistoryEntry]:
        return []


class FakeReplies:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.replies)
        self._db = db
        self._exceptions: list[tuple[str, str, ReplyException]] = []

    async def add(self, reply: Reply) -> None:
        # The SQL one lets the unique (confirmation_id, sha256) fail as an IntegrityError;
        # the handlers look by_sha256 first, so a Conflict here means a handler forgot to.
        if await self.by_sha256(reply.confirmation_id, reply.sha256) is not None:
            raise Conflict(f"reply {reply.sha256} of {reply.confirmation_id} exists")
        self.t.put(reply.id, reply)

    async def get(self, reply_id: str) -> Reply | None:
        return self.t.get(reply_id)

    async def by_sha256(self, confirmation_id: str, sha256: str) -> Reply | None:
        return next((r for r in self.t.rows()
                     if r.confirmation_id == confirmation_id and r.sha256 == sha256), None)

    async def of(self, confirmation_id: str) -> builtins.list[Reply]:
        return sorted((r for r in self.t.rows() if r.confirmation_id == confirmation_id),
                      key=lambda r: (r.received_at, r.id))

    async def checked(self, reply: Reply) -> None:
        stored = self.t.get(reply.id)
        if stored is None:
            return  # an UPDATE of no row
        self.t.put(reply.id, replace(stored, status=reply.status, reason=reply.reason,
                                     signer=reply.signer, signer_sha256=reply.signer_sha256,
                                     checked_at=reply.checked_at, checks=reply.checks))

    async def add_exceptions(self, confirmation_id: str, reply_id: str,
                             found: builtins.list[ReplyException]) -> None:
        self._exceptions += [(confirmation_id, reply_id, e) for e in found]

    async def exceptions(self, confirmation_id: str) -> builtins.list[ReplyException]:
        return [e for cid, _, e in self._db.exceptions + self._exceptions
                if cid == confirmation_id]

    def apply(self) -> None:
        self.t.apply()
        self._db.exceptions += self._exceptions
        self._exceptions = []

    def drop(self) -> None:
        self.t.drop()
        self._exceptions = []


class FakePortalLinks:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.portal_links)
        self._confirmations = db.confirmations

    async def add(self, link: PortalLink) -> None:
        self.t.put(link.id, link)

    async def by_message(self, message_id: str) -> PortalLink | None:
        return next((x for x in self.t.rows() if x.message_id == message_id), None)

    async def by_token(self, token_hash: str, *, for_update: bool = False) -> PortalLink | None:
        return next((x for x in self.t.rows() if x.token_hash == token_hash), None)

    async def of(self, confirmation_id: str) -> builtins.list[PortalLink]:
        return sorted((x for x in self.t.rows() if x.confirmation_id == confirmation_id),
                      key=lambda x: (x.created_at, x.id))

    async def negatives_unanswered(self, today: date, limit: int) -> builtins.list[str]:
        """hub.db.portal: negative letters with a link, delivered, past their reply_due."""
        linked = {x.confirmation_id for x in self.t.rows()}
        rows = sorted((c for c in self._confirmations.values()
                       if c.id in linked and c.mode is Mode.NEGATIVE
                       and c.status is Status.DELIVERED
                       and c.reply_due is not None and c.reply_due < today),
                      key=lambda c: (c.reply_due, c.id))
        return [c.id for c in rows[:limit]]

    async def save(self, link: PortalLink) -> None:
        self.t.put(link.id, link)


class FakeProcedures:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.procedures)

    async def add(self, procedure: AlternativeProcedure) -> None:
        self.t.put(procedure.id, procedure)

    async def by_idempotency_key(self, confirmation_id: str, key: str
                                 ) -> AlternativeProcedure | None:
        return next((p for p in self.t.rows() if p.confirmation_id == confirmation_id
                     and p.idempotency_key == key), None)

    async def of(self, confirmation_ids: Sequence[str]) -> builtins.list[AlternativeProcedure]:
        return sorted((p for p in self.t.rows() if p.confirmation_id in confirmation_ids),
                      key=lambda p: (p.noted_at, p.id))


class FakeWebhooks:
    def __init__(self, db: FakeDatabase) -> None:
        self.t = _Staged(db.webhooks)

    async def save(self, webhook: Webhook) -> None:
        self.t.put((webhook.firm_org_id, webhook.engagement_id), webhook)

    async def get(self, firm_org_id: str, engagement_id: str | None) -> Webhook | None:
        return self.t.get((firm_org_id, engagement_id))

    async def remove(self, firm_org_id: str, engagement_id: str | None) -> Webhook | None:
        """The webhook removed (None if there was none); gone once the unit of work commits."""
        hook = self.t.get((firm_org_id, engagement_id))
        if hook is not None:
            self.t.delete((firm_org_id, engagement_id))
        return hook

    async def for_engagement(self, firm_org_id: str, engagement_id: str) -> Webhook | None:
        return (self.t.get((firm_org_id, engagement_id))
                or self.t.get((firm_org_id, None)))


class FakeInbox:
    """hub.ports.Inbox: claims are pending until the unit of work moves them to `committed`."""

    def __init__(self, committed: set[tuple[str, str]]) -> None:
        self._committed = committed
        self.claims: set[tuple[str, str]] = set()

    async def claim(self, consumer: str, message_id: str) -> bool:
        key = (consumer, message_id)
        if key in self._committed or key in self.claims:
            return False
        self.claims.add(key)
        return True

    async def settle_parked(self, queue: str, message_id: str) -> int:
        return 0


# --------------------------------------------------------------------------- unit of work


class FakeUnitOfWork:
    """hub.ports.UnitOfWork over a FakeDatabase, keeping hub.db.uow's promises."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._recorded: list[events.Event] = []
        self.organisations = FakeOrganisations(db)
        self.api_keys = FakeApiKeys(db)
        self.engagements = FakeEngagements(db)
        self.confirmations = FakeConfirmations(db)
        self.inbox = FakeInbox(db.inbox)
        self.documents = FakeDocuments(db)
        self.responders = FakeResponders(db)
        self.replies = FakeReplies(db)
        self.portal_links = FakePortalLinks(db)
        self.procedures = FakeProcedures(db)
        self.webhooks = FakeWebhooks(db)
        self._tables = (self.organisations.t, self.api_keys.t, self.engagements.t,
                        self.documents.t, self.responders.t, self.portal_links.t,
                        self.procedures.t, self.webhooks.t)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.rollback()  # after a commit there is nothing left to drop

    def record(self, event: events.Event) -> None:
        self._recorded.append(event)

    async def commit(self) -> None:
        """Flush the tracked confirmations, collect their events with the recorded ones (in
        the order they happened) into the event log, and make every write visible at once."""
        race, self._db.before_next_commit = self._db.before_next_commit, None
        if race is not None:
            await race()
        try:
            rows = self.confirmations.flush()
            pending = self._recorded + self.confirmations.collect_events()
            self._recorded = []
            pending.sort(key=lambda e: e.at)
            if self._db.fail_commit:
                raise OSError("connection to the database lost during commit")
        except BaseException:
            await self.rollback()
            raise
        for table in self._tables:
            table.apply()
        self.replies.apply()
        self._db.inbox |= self.inbox.claims
        self.inbox.claims = set()
        self.confirmations.committed(rows)
        self._db.events += pending
        self._db.commits += 1

    async def rollback(self) -> None:
        self._recorded = []
        self.confirmations.forget()
        for table in self._tables:
            table.drop()
        self.replies.drop()
        self.inbox.claims = set()


# --------------------------------------------------------------------------- other ports


class FixedClock:
    """hub.ports.Clock standing still until moved."""

    def __init__(self, now: datetime = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(CST).date()

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def set_today(self, day: date) -> None:
        """Ten in the morning, China time, on `day`."""
        self._now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


class FakeBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        self.blobs[sha256] = bytes(data)
        return sha256

    async def get(self, sha256: str) -> bytes:
        if sha256 not in self.blobs:
            raise NotFound(f"no document {sha256}")
        return self.blobs[sha256]


def tiny_pdf(text: str) -> bytes:
    return f"%PDF-1.7\n% {text}\n%%EOF\n".encode()


class FakeLetterMaker:
    """Makes a tiny PDF naming the letter; `error` makes it fail as the signer would."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.error: Exception | None = None

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        if self.error is not None:
            raise self.error
        self.made.append(confirmation.id)
        return tiny_pdf(f"letter {confirmation.letter_number} from {firm_name} "
                        f"for {client_name}")


class FakeReplyChecker:
    """Answers what the test set as `result` (a test that forgot fails loudly)."""

    def __init__(self) -> None:
        self.result: ReplyCheck | None = None
        self.checked: list[bytes] = []

    async def check(self, pdf: bytes) -> ReplyCheck:
        self.checked.append(pdf)
        if self.result is None:
            raise AssertionError("the test did not say what the reply's check shows")
        return self.result


class FakeWorkpaperMaker:
    """Makes a tiny 'workpaper' and 'bundle'; `error` makes it fail as the sealer would."""

    def __init__(self) -> None:
        self.made: list[WorkpaperInput] = []
        self.error: Exception | None = None

    async def make(self, source: WorkpaperInput) -> tuple[bytes, bytes]:
        if self.error is not None:
            raise self.error
        self.made.append(source)
        return tiny_pdf("workpaper"), b"PK\x05\x06" + b"\0" * 18


class FakePortalReplyMaker:
    async def make(self, record: dict[str, Any]) -> bytes:
        return tiny_pdf(f"portal reply {sorted(record)}")


CERT_PREFIX = "FAKE CERTIFICATE:"


def fake_certificate(subject: str) -> str:
    """A 'PEM' the fake certificate reader accepts."""
    return f"{CERT_PREFIX}{subject}"


def read_fake_certificate(pem: str) -> SigningCertificate:
    """hub.ports.CertificateReader for fake_certificate()'s text; ValueError for others."""
    if not pem.startswith(CERT_PREFIX):
        raise ValueError("not a certificate")
    return SigningCertificate(sha256=hashlib.sha256(pem.encode()).hexdigest(),
                              subject=pem[len(CERT_PREFIX):],
                              not_after=datetime(2036, 1, 1, tzinfo=UTC), pem=pem)


class FakeSecretBox:
    """Reversible, and plainly not the secret itself."""

    async def seal(self, secret: str) -> str:
        return "sealed:" + secret[::-1]

    async def unseal(self, sealed: str) -> str:
        return sealed.removeprefix("sealed:")[::-1]


def toy_calendar() -> WorkingDayCalendar:
    """Monday to Friday in 2026–2027, with one holiday: Friday 2026-03-06."""
    return WorkingDayCalendar.from_dates([date(2026, 3, 6)], [], [2026, 2027])


# --------------------------------------------------------------------------- the bus


@dataclass
class FakeHub:
    """A real MessageBus over fakes, with the fakes at hand for arranging and asserting."""

    bus: MessageBus
    db: FakeDatabase
    clock: FixedClock
    blobs: FakeBlobStore
    letter_maker: FakeLetterMaker
    reply_checker: FakeReplyChecker
    workpaper_maker: FakeWorkpaperMaker

    async def handle(self, cmd: Any) -> Any:
        return await self.bus.handle(cmd)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db)

    # arranging: committed rows, as if earlier requests had made them

    def organisation(self, kind: OrgKind, name: str, serial: int) -> Organisation:
        uscc = make_uscc(f"91310000{serial:09d}")
        org = Organisation(id=f"org-{serial}", kind=kind, name=name, uscc=uscc,
                           created_at=self.clock.now())
        self.db.organisations[org.id] = org
        return org

    def engagement(self, firm: Organisation, client: Organisation, **kw: Any) -> Engagement:
        e = Engagement(id=f"eng-{len(self.db.engagements) + 1}", firm_org_id=firm.id,
                       client_org_id=client.id, name="2025 年报审计",
                       period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                       created_at=self.clock.now(), client_name=client.name, **kw)
        self.db.engagements[e.id] = e
        return e

    def responder(self, org: Organisation, *, status: ResponderStatus = ResponderStatus.VERIFIED,
                  certificates: tuple[str, ...] = ()) -> Responder:
        bank = org.kind is OrgKind.BANK
        r = Responder(
            id=f"resp-{org.id}", org_id=org.id, kind=org.kind, name=org.name, uscc=org.uscc,
            channel=Channel.BANK_API_PULL if bank else Channel.PORTAL,
            created_at=self.clock.now(), updated_at=self.clock.now(), updated_by="admin:a",
            bank_code="102100099996" if bank else None,
            contacts=() if bank else (Contact(name="王会计", email="ap@example.com"),),
            certificates=tuple(read_fake_certificate(p) for p in certificates),
            status=status)
        self.db.responders[r.id] = r
        return r


def bus_with_fakes(clock: FixedClock | None = None,
                   calendar: WorkingDayCalendar | None = None,
                   authorisation_window_working_days: int = 10) -> FakeHub:
    """A real MessageBus whose unit of work and ports are all in memory."""
    db = FakeDatabase()
    clock = clock or FixedClock()
    hub = FakeHub(bus=None,  # type: ignore[arg-type]  # set just below
                  db=db, clock=clock, blobs=FakeBlobStore(), letter_maker=FakeLetterMaker(),
                  reply_checker=FakeReplyChecker(), workpaper_maker=FakeWorkpaperMaker())
    deps = Deps(
        clock=clock, calendar=calendar or toy_calendar(), blobs=hub.blobs,
        letter_maker=hub.letter_maker, certificate_reader=read_fake_certificate,
        reply_checker=hub.reply_checker, workpaper_maker=hub.workpaper_maker,
        portal_reply_maker=FakePortalReplyMaker(), secret_box=FakeSecretBox(),
        authorisation_window_working_days=authorisation_window_working_days,
    )
    def uow_factory() -> UnitOfWork:  # typed, so mypy holds the fakes to the ports
        return FakeUnitOfWork(db)

    hub.bus = MessageBus(uow_factory, deps)
    return hub


# --------------------------------------------------------------------------- a small world

BANK_CERT = fake_certificate("CN=中国工商银行上海分行 函证专用")


@dataclass
class World:
    """A firm auditing a company that banks with one registered bank, and who acts for each."""

    hub: FakeHub
    firm: Organisation
    client: Organisation
    bank: Organisation
    engagement: Engagement
    auditor: Caller
    signer: Caller
    teller: Caller

    @property
    def db(self) -> FakeDatabase:
        return self.hub.db

    def letter(self, number: str = "BC-2025-001", **changes: Any) -> dict[str, Any]:
        """A 格式一 bank letter to the bank, as the API would have accepted it."""
        body: dict[str, Any] = {
            "letter_number": number,
            "as_of_date": "2025-12-31",
            "mode": "positive",
            "responder": {"name": self.bank.name, "uscc": self.bank.uscc},
            "items": {"deposits": {"rows": [
                {"account_number": "6222000011112222", "currency": "CNY",
                 "balance": "1000000.00"}]}},
        }
        body.update(changes)
        return body

    def submit(self, letter: dict[str, Any] | None = None, *, caller: Caller | None = None,
               key: str | None = None, letter_type: str = "bank_format1",
               engagement_id: str | None = None, **kw: Any) -> commands.SubmitConfirmation:
        """The SubmitConfirmation the API would hand the bus for `letter`."""
        letter = self.letter() if letter is None else letter
        raw = repr(sorted(letter.items())) + letter_type + kw.get("scope", "all")
        return commands.SubmitConfirmation(
            caller=caller or self.auditor, engagement_id=engagement_id or self.engagement.id,
            letter_type=letter_type, letter=letter, idempotency_key=key,
            request_hash=hashlib.sha256(raw.encode()).hexdigest(), **kw)


def world(clock: FixedClock | None = None, **bus_options: Any) -> World:
    """The world, its bus made by bus_with_fakes(clock, **bus_options)."""
    hub = bus_with_fakes(clock, **bus_options)
    firm = hub.organisation(OrgKind.FIRM, "立信会计师事务所", 1)
    client = hub.organisation(OrgKind.COMPANY, "上海示例制造有限公司", 2)
    bank = hub.organisation(OrgKind.BANK, "中国工商银行上海分行", 3)
    hub.responder(bank, certificates=(BANK_CERT,))
    return World(
        hub=hub, firm=firm, client=client, bank=bank, engagement=hub.engagement(firm, client),
        auditor=Caller(org_id=firm.id, org_kind=OrgKind.FIRM, role=Role.AUDITOR, key_id="k1"),
        signer=Caller(org_id=client.id, org_kind=OrgKind.COMPANY, role=Role.CLIENT_SIGNER,
                      key_id="k2"),
        teller=Caller(org_id=bank.id, org_kind=OrgKind.BANK, role=Role.BANK_OPERATOR,
                      key_id="k3"),
    )


# =========================================================================== added for the
# handler tests of the portal, webhooks, workpapers, procedures, API keys and web accounts
# (tests/unit/test_{portal,webhook,workpaper,procedure,key,account}_handlers.py)


def outbox(db: FakeDatabase) -> list[str]:
    """The routing keys of the messages the commits queued for the relay, in order: every
    published event becomes an outbox row (hub.db.uow.outbox_row); the others only enter the
    event log."""
    return [e.routing_key for e in db.events if e.published]


def digest(secret: str) -> str:
    """What the portal adapter hands the hub of a link token, a code or a session: its hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class PortalLetter:
    """A company letter delivered through the portal, and the token of the link e-mailed."""

    confirmation_id: str
    token: str

    @property
    def token_hash(self) -> str:
        return digest(self.token)


def company_letter(w: World, number: str = "MC-2025-001", mode: str = "positive",
                   **changes: Any) -> dict[str, Any]:
    """A receivable letter (企业询证函) to the registered supplier, two lines of figures."""
    supplier = w.hub.db.organisations.get("org-5") or w.hub.organisation(
        OrgKind.COMPANY, "上海瑞禾贸易有限公司", 5)
    if f"resp-{supplier.id}" not in w.hub.db.responders:
        w.hub.responder(supplier)
    body: dict[str, Any] = {
        "letter_number": number, "as_of_date": "2025-12-31", "mode": mode,
        "responder": {"uscc": supplier.uscc, "name": supplier.name},
        "rows": [{"owed_by_you": "1865320.00", "currency": "CNY", "note": "货款"},
                 {"owed_by_you": "48000.00", "owed_to_you": "12500.00", "currency": "CNY"}]}
    body.update(changes)
    return body


async def dispatched_company_letter(w: World, number: str = "MC-2025-001",
                                    mode: str = "positive") -> str:
    """Submitted, authorised, made and dispatched to the portal channel: its id."""
    done = await w.hub.handle(w.submit(company_letter(w, number, mode),
                                       letter_type="company_receivable", scope=number))
    cid: str = done.confirmation.id
    await w.hub.handle(commands.AuthoriseConfirmation(caller=w.signer, confirmation_id=cid))
    await w.hub.handle(commands.MakeLetter(confirmation_id=cid))
    return cid


async def delivered_company_letter(w: World, number: str = "MC-2025-001",
                                   mode: str = "positive") -> PortalLetter:
    """As the portal adapter does with the dispatch message: the link opened (e-mailed), then
    the delivery recorded."""
    cid = await dispatched_company_letter(w, number, mode)
    sent = PortalLetter(cid, f"token-of-{cid}")
    await w.hub.handle(commands.OpenPortalLink(
        confirmation_id=cid, message_id=f"dispatch-{cid}", token_hash=sent.token_hash,
        valid_days_after_due=7))
    await w.hub.handle(commands.RecordDelivery(confirmation_id=cid, receipt="mail-queued",
                                               actor="adapter:portal"))
    return sent


async def verified_session(w: World, sent: PortalLetter, session: str = "session-1") -> str:
    """The contact asks for a code and types it right: the session's hash."""
    await w.hub.handle(commands.SendPortalCode(token_hash=sent.token_hash,
                                               code_hash=digest("123456")))
    result = await w.hub.handle(commands.VerifyPortalCode(
        token_hash=sent.token_hash, code_hash=digest("123456"), session_hash=digest(session),
        ip="203.0.113.7"))
    assert result.outcome == "verified", result
    return digest(session)


async def verified_company_letter(w: World, number: str = "MC-2025-001",
                                  form: dict[str, str] | None = None,
                                  attachments: tuple[tuple[str, str, bytes], ...] = ()
                                  ) -> PortalLetter:
    """Delivered, and answered on the portal: agreed, or with differences when `form` gives
    other figures (the letter is then verified with them as its exceptions)."""
    sent = await delivered_company_letter(w, number)
    await w.hub.handle(commands.SubmitPortalReply(
        token_hash=sent.token_hash, session_hash=await verified_session(w, sent),
        answer="differences" if form else "agreed", form=form or {},
        explanation="有一笔货款在途" if form else "", attachments=attachments,
        ip="203.0.113.7", user_agent="Firefox/140"))
    return sent


class FakeUserStore:
    """hub.ports.UserStore in memory, keeping hub.db.users' promises (one user per e-mail;
    failures counted in a row; a lock resets the count; a rehash only over the hash read)."""

    def __init__(self) -> None:
        self.users: dict[str, WebUser] = {}
        self.sessions: dict[str, WebSession] = {}

    async def add_user(self, user: WebUser) -> None:
        if any(u.email == user.email for u in self.users.values()):
            raise Conflict(f"a user with e-mail {user.email} exists", field="email")
        self.users[user.id] = user

    async def user_by_email(self, email: str) -> WebUser | None:
        return next((u for u in self.users.values() if u.email == email), None)

    async def user(self, user_id: str) -> WebUser | None:
        return self.users.get(user_id)

    async def record_failure(self, user_id: str, now: datetime) -> int:
        u = self.users[user_id]
        self.users[user_id] = replace(u, failed_attempts=u.failed_attempts + 1)
        return u.failed_attempts + 1

    async def lock(self, user_id: str, until: datetime) -> None:
        self.users[user_id] = replace(self.users[user_id], locked_until=until,
                                      failed_attempts=0)

    async def reset_failures(self, user_id: str) -> None:
        self.users[user_id] = replace(self.users[user_id], failed_attempts=0,
                                      locked_until=None)

    async def replace_password_hash(self, user_id: str, old: str, new: str) -> bool:
        u = self.users.get(user_id)
        if u is None or u.password_hash != old:
            return False
        self.users[user_id] = replace(u, password_hash=new)
        return True

    async def disable_user(self, user_id: str, at: datetime) -> None:
        self.users[user_id] = replace(self.users[user_id], disabled_at=at)
        self.sessions = {k: s for k, s in self.sessions.items() if s.user_id != user_id}

    async def add_session(self, session: WebSession) -> None:
        self.sessions[session.id] = session

    async def session(self, session_id: str) -> WebSession | None:
        return self.sessions.get(session_id)

    async def touch_session(self, session_id: str, now: datetime) -> None:
        if session_id in self.sessions:
            self.sessions[session_id] = replace(self.sessions[session_id], last_seen_at=now)

    async def end_session(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    async def end_sessions_before(self, now: datetime) -> int:
        gone = [k for k, s in self.sessions.items() if s.expires_at < now]
        for k in gone:
            del self.sessions[k]
        return len(gone)

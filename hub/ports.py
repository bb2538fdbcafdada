"""The interfaces the core needs from the outside world, as typing.Protocols."""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from hub.domain import events
from hub.domain.model import (
    Caller,
    Confirmation,
    Document,
    Engagement,
    LetterType,
    Organisation,
    OrgKind,
    Role,
    Status,
)
from hub.domain.portal import PortalLink
from hub.domain.procedures import AlternativeProcedure
from hub.domain.replies import Reply, ReplyException
from hub.domain.responders import Responder, ResponderStatus, SigningCertificate
from hub.domain.users import WebSession, WebUser
from hub.domain.webhooks import Webhook

# --------------------------------------------------------------------------- identity


SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    org_id: str
    role: Role
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    org_kind: OrgKind | None = None
    """The kind of the key's organisation, when the repository read it along (None if gone)."""


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Envelope:
    """What travels on the broker; `message_id` is fixed when the outbox row is written."""

    message_id: str
    type: str
    occurred_at: str
    data: dict[str, Any]
    correlation_id: str | None = None
    schema_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "message_id": self.message_id,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "schema_version": self.schema_version,
            "data": self.data,
        }
        if self.correlation_id:
            d["correlation_id"] = self.correlation_id
        return d

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, message_id: str | None = None) -> Envelope:
        """The envelope a stored dict holds (`message_id`, when given, is the row's own)."""
        return cls(
            message_id=message_id or str(d.get("message_id", "")),
            type=str(d.get("type", "")),
            occurred_at=str(d.get("occurred_at", "")),
            data=dict(d.get("data") or {}),
            correlation_id=d.get("correlation_id"),
            schema_version=int(d.get("schema_version", 1)),
        )


@dataclass(frozen=True)
class OutboxRow:
    """An outbox row as the relay publishes it: `body` is the stored envelope's JSON, as is."""

    id: int
    message_id: str
    exchange: str
    routing_key: str
    body: bytes

    @property
    def envelope(self) -> Envelope:
        """The body read back (for tests and tools; the relay never decodes it)."""
        return Envelope.from_dict(json.loads(self.body), message_id=self.message_id)


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    event_type: str
    at: datetime
    actor: str
    data: dict[str, Any]
    hash: str | None
    """None for the moment between the commit and the entry's sealing into the chain."""


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Confirmation]
    next_cursor: str | None


@dataclass(frozen=True)
class ConfirmationFilter:
    engagement_id: str | None = None
    status: Status | None = None
    statuses: tuple[Status, ...] | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class LetterTableQuery:
    """What the firm's confirmations table asks of one engagement's letters."""

    engagement_id: str
    today: date
    """Whose today decides what is overdue."""
    status: Status | None = None
    overdue: bool = False
    with_exceptions: bool = False
    search: str = ""
    """Part of the letter number or of the responder's name (case-insensitive)."""
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class LetterRow:
    id: str
    letter_number: str
    letter_type: LetterType
    responder: str
    status: Status
    reply_due: date | None
    exception_count: int


@dataclass(frozen=True)
class LetterTablePage:
    rows: list[LetterRow]
    total: int
    """How many letters pass the filters."""
    overdue: int
    """How many of the engagement's letters are overdue, whatever the filters."""


# --------------------------------------------------------------------------- repositories


class OrganisationRepository(Protocol):
    async def add(self, org: Organisation) -> None: ...
    async def get(self, org_id: str) -> Organisation | None: ...
    async def by_uscc(self, uscc: str) -> Organisation | None: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKeyRecord) -> None: ...
    async def get(self, key_id: str) -> ApiKeyRecord | None: ...
    async def revoke(self, key_id: str) -> bool: ...
    async def of_org(self, org_id: str | None) -> list[ApiKeyRecord]: ...


class EngagementRepository(Protocol):
    async def add(self, engagement: Engagement) -> None: ...
    async def get(self, engagement_id: str, caller: Caller | None) -> Engagement | None: ...
    async def list(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> builtins.list[Engagement]: ...
    def cursor_after(self, engagement: Engagement) -> str: ...


class DocumentRepository(Protocol):
    async def add(self, document: Document) -> None: ...
    async def get(self, confirmation_id: str, kind: str) -> Document | None: ...
    async def workpapers_after(self, firm_org_id: str, after: int, limit: int
                               ) -> builtins.list[tuple[int, Document, dict[str, Any]]]: ...


class ConfirmationRepository(Protocol):
    async def add(self, confirmation: Confirmation) -> None:
        """Insert; raises Conflict on a duplicate idempotency key, business key or letter number."""

    async def add_all(self, confirmations: Sequence[Confirmation]) -> None:
        """Insert several at once; Conflict if any collides (then none should be kept)."""

    async def get(
        self, confirmation_id: str, caller: Caller | None, *, for_update: bool = False
    ) -> Confirmation | None:
        """Load one; None when absent or outside the caller's organisation."""

    async def by_idempotency_key(self, firm_org_id: str, key: str) -> Confirmation | None: ...
    async def list(self, caller: Caller, flt: ConfirmationFilter) -> Page: ...
    async def table(self, caller: Caller, query: LetterTableQuery) -> LetterTablePage: ...
    async def due_for_expiry(self, today: date, limit: int) -> Sequence[str]: ...
    async def awaiting_reply_since(self, today: date, limit: int) -> Sequence[str]: ...
    async def history(self, confirmation_id: str) -> builtins.list[HistoryEntry]: ...


@dataclass(frozen=True)
class ResponderQuery:
    q: str | None = None  # part of the name, the 统一社会信用代码 or the bank code
    kind: OrgKind | None = None
    status: ResponderStatus | None = None
    limit: int = 50


class ResponderRepository(Protocol):
    async def add(self, responder: Responder) -> None:
        """Insert; Conflict when an entry that is not retired has the same USCC."""

    async def get(self, responder_id: str, *, for_update: bool = False) -> Responder | None: ...
    async def by_uscc(self, uscc: str) -> Responder | None:
        """The entry (not retired) for `uscc`, else the newest retired one, else None."""

    async def save(self, responder: Responder, *, expected_version: int) -> None:
        """Write a changed entry; Conflict if it is no longer at `expected_version`."""

    async def search(self, query: ResponderQuery) -> builtins.list[Responder]: ...
    async def history(self, responder_id: str) -> builtins.list[HistoryEntry]: ...


class ReplyRepository(Protocol):
    async def add(self, reply: Reply) -> None: ...
    async def get(self, reply_id: str) -> Reply | None: ...
    async def by_sha256(self, confirmation_id: str, sha256: str) -> Reply | None: ...
    async def of(self, confirmation_id: str) -> builtins.list[Reply]: ...
    async def checked(self, reply: Reply) -> None: ...
    async def add_exceptions(self, confirmation_id: str, reply_id: str,
                             found: builtins.list[ReplyException]) -> None: ...
    async def exceptions(self, confirmation_id: str) -> builtins.list[ReplyException]: ...


class WebhookRepository(Protocol):
    """Webhooks of audit software (hub.domain.webhooks), one per firm and per engagement."""

    async def save(self, webhook: Webhook) -> None:
        """Insert, or replace the one of the same firm and scope."""

    async def get(self, firm_org_id: str, engagement_id: str | None) -> Webhook | None: ...
    async def remove(self, firm_org_id: str, engagement_id: str | None) -> Webhook | None: ...
    async def for_engagement(self, firm_org_id: str, engagement_id: str) -> Webhook | None:
        """The engagement's webhook, else its firm's, else None."""


class SecretBox(Protocol):
    """Encrypts secrets the hub must keep (webhook keys) with a key outside the database."""

    async def seal(self, secret: str) -> str: ...
    async def unseal(self, sealed: str) -> str:
        """The secret; PermanentError if the key it was sealed with is gone."""


class ProcedureRepository(Protocol):
    """The auditor's alternative procedures (替代程序): append-only, no update or delete."""

    async def add(self, procedure: AlternativeProcedure) -> None: ...
    async def by_idempotency_key(self, confirmation_id: str, key: str
                                 ) -> AlternativeProcedure | None: ...
    async def of(self, confirmation_ids: Sequence[str]
                 ) -> builtins.list[AlternativeProcedure]: ...


class PortalLinkRepository(Protocol):
    """The company portal's one-time links (hub.domain.portal.PortalLink)."""

    async def add(self, link: PortalLink) -> None: ...
    async def by_message(self, message_id: str) -> PortalLink | None: ...
    async def by_token(self, token_hash: str, *, for_update: bool = False
                       ) -> PortalLink | None: ...
    async def of(self, confirmation_id: str) -> builtins.list[PortalLink]: ...
    async def negatives_unanswered(self, today: date, limit: int) -> builtins.list[str]: ...
    async def save(self, link: PortalLink) -> None: ...


class Inbox(Protocol):
    async def claim(self, consumer: str, message_id: str) -> bool:
        """Record the message as processed by `consumer`; False if it already was."""
    async def settle_parked(self, queue: str, message_id: str) -> int:
        """Remove the parked copies (not yet replayed) of a message now applied from `queue`,
        in the unit of work's transaction; how many there were."""


class UnitOfWork(Protocol):
    @property
    def organisations(self) -> OrganisationRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def engagements(self) -> EngagementRepository: ...
    @property
    def confirmations(self) -> ConfirmationRepository: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def documents(self) -> DocumentRepository: ...
    @property
    def responders(self) -> ResponderRepository: ...
    @property
    def replies(self) -> ReplyRepository: ...
    @property
    def portal_links(self) -> PortalLinkRepository: ...
    @property
    def procedures(self) -> ProcedureRepository: ...
    @property
    def webhooks(self) -> WebhookRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record(self, event: events.Event) -> None:
        """Queue an event for the event log (and the outbox if published) at commit."""

    async def commit(self) -> None:
        """Append pending events to the hash chain and outbox, then commit atomically."""

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


# --------------------------------------------------------------------------- documents


class BlobStore(Protocol):
    """Immutable documents by their SHA-256 (a directory by default, object storage later)."""

    async def put(self, data: bytes) -> str:
        """Store `data` durably; returns its SHA-256 in hex, which is also its key."""

    async def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; NotFound if there are none."""


class CertificateReader(Protocol):
    """Reads a PEM certificate a responder registers for signing its replies."""

    def __call__(self, pem: str) -> SigningCertificate:
        """The certificate's SHA-256, subject and expiry; ValueError if it is not one."""


@dataclass(frozen=True)
class ReplyCheck:
    """What a reply's signature and binding show (before any comparison with the books)."""

    problems: tuple[str, ...]  # empty when the signature is valid, whole and trusted
    signer: str | None
    signer_sha256: str | None
    binding: dict[str, str]  # hub.domain.replies.parse_binding of the signed Keywords


class ReplyChecker(Protocol):
    """Validates a reply PDF's signature against the trust roots and reads its binding."""

    async def check(self, pdf: bytes) -> ReplyCheck: ...


@dataclass(frozen=True)
class WorkpaperInput:
    """What a verified confirmation's workpaper and evidence bundle are made of."""

    facts: dict[str, Any]  # engagement, firm, confirmation, responder, reply, exceptions, history
    letter_pdf: bytes
    reply_pdf: bytes
    reply_data: dict[str, Any] | None
    attachments: tuple[tuple[str, bytes], ...] = ()
    """(name in the bundle, content) of the files the responder attached to the reply."""


class PortalReplyMaker(Protocol):
    """Renders a company's portal reply, or the record that a negative letter went
    unanswered, and seals it with the hub's own certificate (PAdES)."""

    async def make(self, record: dict[str, Any]) -> bytes: ...


class WorkpaperMaker(Protocol):
    """Validates the letter and the reply, renders the workpaper (回函底稿), seals it with the
    hub's certificate, and packs the evidence bundle: (workpaper PDF, evidence ZIP)."""

    async def make(self, source: WorkpaperInput) -> tuple[bytes, bytes]: ...


class SheetPdfRenderer(Protocol):
    """Renders a report table (the control sheet, 函证控制表) given as a plain dict to a PDF
    (hub.documents.render_control_sheet); blocking, so it runs off the event loop."""

    def __call__(self, sheet: Mapping[str, Any], *, created_at: datetime | None = None
                 ) -> bytes: ...


class LetterMaker(Protocol):
    """Renders a confirmation's letter and signs it: the audited entity's authorisation
    signature first, then the firm's, each as an incremental update keeping the other valid."""

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes: ...


class OutboxStore(Protocol):
    """What the relay needs of the database."""

    async def lease(self, limit: int, holder: str, lease_seconds: float) -> list[OutboxRow]: ...
    async def mark_published(self, ids: Sequence[int]) -> None: ...
    async def pending_count(self) -> int: ...


@dataclass(frozen=True)
class ParkedMessage:
    id: int
    message_id: str
    queue: str
    routing_key: str
    envelope: dict[str, Any]
    reason: str
    attempts: int
    parked_at: datetime
    replayed_at: datetime | None = None


class ParkingStore(Protocol):
    async def park(
        self, *, queue: str, routing_key: str, envelope: dict[str, Any], reason: str,
        attempts: int, consumer: str | None = None,
    ) -> bool:
        """Keep the message for an operator; False (nothing parked) when `consumer`'s inbox
        shows another copy of it was applied meanwhile."""
    async def list(
        self, limit: int = 100, include_replayed: bool = False
    ) -> builtins.list[ParkedMessage]: ...
    async def replay(self, parked_id: int) -> ParkedMessage:
        """Put the message back in the outbox with its original message id."""


class EventLogStore(Protocol):
    async def verify(self) -> ChainReport: ...


# --------------------------------------------------------------------------- broker


class Settlement(StrEnum):
    """How a consumer settles one delivery with the broker."""

    ACK = "ack"
    """Finished for good: applied (or a duplicate), parked, or handed to a delayed retry."""
    REQUEUE = "requeue"
    """Not even parking worked (database down): the broker must deliver it again."""


class Delivery(Protocol):
    """One message handed to a consumer by the broker."""

    @property
    def body(self) -> bytes:
        """The envelope as UTF-8 JSON (see hub.messaging.codec)."""

    @property
    def queue(self) -> str:
        """The queue it was consumed from."""

    @property
    def routing_key(self) -> str:
        """The routing key it was first published with; kept across delayed retries."""

    @property
    def message_id(self) -> str:
        """The envelope's message id, stable across every retry."""

    @property
    def attempt(self) -> int:
        """1 on first delivery; carried in the `x-attempt` header across delayed retries."""

    @property
    def redelivered(self) -> bool:
        """The broker handed this copy out before (it was never acked: a crash, a requeue)."""


DeliveryCallback = Callable[[Delivery], Awaitable[Settlement]]
"""What the broker calls for each delivery; raising counts as Settlement.REQUEUE."""

Handler = Callable[[Envelope, UnitOfWork], Awaitable[None]]
"""What a consumer runs for each message, inside the unit of work it then commits."""


class Subscription(Protocol):
    """A running consumer registration on one queue."""

    async def cancel(self) -> None:
        """Take no new deliveries; those already handed out may still be settled."""

    async def close(self) -> None:
        """Release the subscription; deliveries not yet settled go back to the queue."""


class Broker(Protocol):
    """Publishes with confirms and delivers at least once (RabbitMQ or the embedded broker)."""

    async def connect(self) -> None:
        """Connect and declare the topology; idempotent."""

    async def close(self) -> None:
        """Close; publishes still waiting for their confirm fail with a TransientError."""

    async def ping(self) -> bool:
        """Readiness: True while connected. Never raises."""

    async def publish(
        self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
        headers: dict[str, Any] | None = None,
    ) -> None:
        """Return once the broker has taken responsibility for the message (publisher confirm).

        Persistent delivery. Raises a TransientError subclass when the broker refuses the
        message, cannot route it, or the confirm does not come in time: publish it again later.
        """

    async def retry_later(
        self, queue: str, routing_key: str, body: bytes, *, message_id: str, attempt: int,
        delay_seconds: float,
    ) -> None:
        """Deliver the message again to `queue` only, after the delay, as attempt `attempt`.

        `routing_key` is the key the message was first published with; the new delivery
        reports it again. Returns once the broker holds the delayed copy, so the caller may
        then acknowledge the original.
        """

    async def consume(
        self, queue: str, callback: DeliveryCallback, *, prefetch: int,
    ) -> Subscription:
        """Start calling `callback` for the queue's messages, at most `prefetch` at a time."""


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC now."""

    def today(self) -> date:
        """Today in China Standard Time (deadlines are PRC working days)."""


@dataclass
class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        from datetime import UTC

        return datetime.now(UTC)

    def today(self) -> date:
        from datetime import timedelta

        return (self.now() + timedelta(hours=8)).date()


@dataclass
class FrozenClock:
    """A settable clock for tests, demos and the scheduler's `--at`."""

    current: datetime
    ticks: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        from datetime import timedelta

        return (self.current + timedelta(hours=8)).date()


# --------------------------------------------------------------------------- web users


class UserStore(Protocol):
    """Firm web users and their sessions (hub.domain.users); not part of the event log."""

    async def add_user(self, user: WebUser) -> None: ...
    async def user_by_email(self, email: str) -> WebUser | None: ...
    async def user(self, user_id: str) -> WebUser | None: ...
    async def record_failure(self, user_id: str, now: datetime) -> int: ...
    async def lock(self, user_id: str, until: datetime) -> None: ...
    async def reset_failures(self, user_id: str) -> None: ...
    async def disable_user(self, user_id: str, at: datetime) -> None: ...
    async def add_session(self, session: WebSession) -> None: ...
    async def session(self, session_id: str) -> WebSession | None: ...
    async def touch_session(self, session_id: str, now: datetime) -> None: ...
    async def end_session(self, session_id: str) -> None: ...
    async def end_sessions_before(self, now: datetime) -> int: ...

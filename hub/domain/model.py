"""Organisations, engagements and confirmations with their one explicit state machine."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hub.domain import events
from hub.domain.errors import InvalidTransition, ValidationFailed
from hub.domain.uscc import validate_uscc


class OrgKind(enum.StrEnum):
    FIRM = "firm"
    BANK = "bank"
    COMPANY = "company"
    OPERATOR = "operator"


class Role(enum.StrEnum):
    ADMIN = "admin"
    FIRM_ADMIN = "firm_admin"
    AUDITOR = "auditor"
    CLIENT_SIGNER = "client_signer"
    BANK_OPERATOR = "bank_operator"


# Which organisation kinds may hold a key of each role.
ROLE_ORG_KINDS: dict[Role, frozenset[OrgKind]] = {
    Role.ADMIN: frozenset({OrgKind.OPERATOR}),
    Role.FIRM_ADMIN: frozenset({OrgKind.FIRM}),
    Role.AUDITOR: frozenset({OrgKind.FIRM}),
    Role.CLIENT_SIGNER: frozenset({OrgKind.COMPANY}),
    Role.BANK_OPERATOR: frozenset({OrgKind.BANK}),
}


SYSTEM_ACTOR = "system"
"""The actor named in history when the hub acts on its own (scheduler, workers)."""


@dataclass(frozen=True)
class Caller:
    """Who is asking: an API key's organisation and role. Repositories scope every query by it."""

    org_id: str
    org_kind: OrgKind
    role: Role
    key_id: str = ""

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.key_id or self.org_id}"

    @property
    def is_firm(self) -> bool:
        return self.role in (Role.FIRM_ADMIN, Role.AUDITOR)


class LetterType(enum.StrEnum):
    BANK_FORMAT1 = "bank_format1"
    BANK_FORMAT2 = "bank_format2"
    BANK_CAPITAL = "bank_capital"
    COMPANY_RECEIVABLE = "company_receivable"
    COMPANY_PAYABLE = "company_payable"

    @property
    def is_bank(self) -> bool:
        return self.value.startswith("bank_")

    @property
    def responder_kind(self) -> OrgKind:
        return OrgKind.BANK if self.is_bank else OrgKind.COMPANY


class Mode(enum.StrEnum):
    """Positive letters are always answered; negative ones only when the data differs."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Status(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_AUTHORISATION = "awaiting_authorisation"
    AUTHORISED = "authorised"
    LETTER_READY = "letter_ready"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"
    REPLIED = "replied"
    VERIFIED = "verified"
    WORKPAPER_DELIVERED = "workpaper_delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


S = Status


AWAITING_REPLY: tuple[str, ...] = ("dispatched", "delivered")
"""Statuses of a letter sent and not yet answered: its reply deadline runs, second requests
go out. A dispatched letter may still wait for its channel (delivery pending or parked)."""


def reply_overdue(status: Status, reply_due: date | None, today: date) -> bool:
    """A reply is overdue when the letter was sent and its due date has passed without a
    reply (hub.db.letter_table says the same in SQL)."""
    return status.value in AWAITING_REPLY and reply_due is not None and reply_due < today
# The whole state machine. Anything not listed here is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.AWAITING_AUTHORISATION, S.CANCELLED, S.FAILED}),
    S.AWAITING_AUTHORISATION: frozenset({S.AUTHORISED, S.CANCELLED, S.EXPIRED, S.FAILED}),
    S.AUTHORISED: frozenset({S.LETTER_READY, S.CANCELLED, S.FAILED}),
    S.LETTER_READY: frozenset({S.DISPATCHED, S.CANCELLED, S.FAILED}),
    S.DISPATCHED: frozenset({S.DELIVERED, S.FAILED}),
    S.DELIVERED: frozenset({S.RETURNED, S.REPLIED, S.FAILED}),
    S.REPLIED: frozenset({S.VERIFIED, S.FAILED}),
    S.VERIFIED: frozenset({S.WORKPAPER_DELIVERED}),
    S.RETURNED: frozenset(),
    S.WORKPAPER_DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.FAILED: frozenset(),
}
DELIVERY_STATES: frozenset[str] = frozenset({"pending", "parked"})
"""A dispatched letter's channel has not taken it yet: `pending` while it retries, `parked`
once it gave up for now (hub.domain.labels.DELIVERY names them)."""
TERMINAL: frozenset[Status] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
# States in which a letter still holds its business key (a second identical letter is refused).
ACTIVE: frozenset[Status] = frozenset(Status) - {S.CANCELLED, S.EXPIRED, S.FAILED, S.RETURNED}
CANCELLABLE: frozenset[Status] = frozenset(
    s for s, nxt in TRANSITIONS.items() if S.CANCELLED in nxt
)


@dataclass
class Organisation:
    id: str
    kind: OrgKind
    name: str
    uscc: str
    created_at: datetime

    def __post_init__(self) -> None:
        validate_uscc(self.uscc)
        if not self.name.strip():
            raise ValidationFailed("organisation name must not be empty", field="name")


@dataclass
class Engagement:
    id: str
    firm_org_id: str
    client_org_id: str
    name: str
    period_start: date
    period_end: date
    created_at: datetime
    reference: str | None = None
    second_request_days: tuple[int, ...] = (1,)
    """When second requests (催函) go out: working days after a reply was due, one each."""
    responder_overrides: tuple[dict[str, Any], ...] = ()
    """Addresses the firm gives instead of a responder's registered one ({uscc, contact,
    reason}); letters to such a responder carry a warning (CSA 1312: auditor's control)."""
    client_name: str | None = None
    """The audited entity's name as this firm gave it (its letters carry it); None: the
    organisation's own name. Another firm's name for the same 统一社会信用代码 never replaces it."""
    client_name_disputed: bool = False
    """Another record of the same 统一社会信用代码 names it differently (a warning; read only)."""

    def override_for(self, uscc: str) -> dict[str, Any] | None:
        return next((o for o in self.responder_overrides if o.get("uscc") == uscc), None)

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValidationFailed(
                "period_end is before period_start", field="/period_end"
            )
        days = self.second_request_days
        if any(d < 0 for d in days) or list(days) != sorted(set(days)):
            raise ValidationFailed("second requests go out on increasing working days after "
                                   "the due date", field="/second_request_days")


@dataclass(frozen=True)
class Document:
    """A stored document of a confirmation: the signed letter now, replies and more later."""

    confirmation_id: str
    kind: str  # "letter"
    sha256: str  # also its key in the blob store
    size: int
    media_type: str
    created_at: datetime


@dataclass(frozen=True)
class AmountLine:
    """One money figure of a letter, kept as NUMERIC for reports and comparison."""

    pointer: str  # JSON pointer into the letter, e.g. /items/deposits/rows/0/balance
    amount: Decimal
    currency: str | None = None


@dataclass
class Confirmation:
    id: str
    firm_org_id: str
    engagement_id: str
    client_org_id: str
    responder_org_id: str
    letter_type: LetterType
    mode: Mode
    letter_number: str
    as_of_date: date
    letter: dict[str, Any]
    business_key: str
    created_at: datetime
    status: Status = Status.DRAFT
    updated_at: datetime | None = None
    authorisation_due: date | None = None
    reply_due: date | None = None
    status_reason: str | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None
    scope: str = "all"
    parent_id: str | None = None
    amounts: list[AmountLine] = field(default_factory=list)
    version: int = 0
    authorised_by: str | None = None
    authorised_at: datetime | None = None
    letter_sha256: str | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    return_due: date | None = None
    exception_count: int | None = None
    second_requests: int = 0
    warnings: list[str] = field(default_factory=list)
    delivery_state: str | None = None
    """A dispatched letter its channel has not taken yet: "pending" (retried) or "parked"."""
    delivery_reason: str | None = None
    """Why: the channel's last error."""
    pending_events: list[events.Event] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def submit(cls, *, actor: str, **kwargs: Any) -> Confirmation:
        c = cls(**kwargs)
        c.updated_at = c.created_at
        c.pending_events.append(
            events.ConfirmationSubmitted(
                confirmation_id=c.id,
                firm_org_id=c.firm_org_id,
                engagement_id=c.engagement_id,
                letter_type=c.letter_type.value,
                letter_number=c.letter_number,
                at=c.created_at,
                actor=actor,
            )
        )
        return c

    @property
    def responder_uscc(self) -> str:
        """The 统一社会信用代码 of the responder the letter is addressed to."""
        return str(self.letter.get("responder", {}).get("uscc", ""))

    def overdue(self, today: date) -> bool:
        return reply_overdue(self.status, self.reply_due, today)

    def can_move_to(self, target: Status) -> bool:
        return target in TRANSITIONS[self.status]

    def move_to(
        self, target: Status, *, at: datetime, actor: str, reason: str | None = None
    ) -> None:
        """Apply one transition of the state machine or raise InvalidTransition."""
        if target not in TRANSITIONS[self.status]:
            why = "it is final" if self.status in TERMINAL else None
            raise InvalidTransition(self.status.value, target.value, reason=why)
        self._enter(target, at=at, actor=actor, reason=reason)

    def _enter(self, target: Status, *, at: datetime, actor: str, reason: str | None) -> None:
        previous = self.status
        self.status = target
        self.updated_at = at
        self.status_reason = reason
        self.version += 1
        self.pending_events.append(
            events.StatusChanged(
                confirmation_id=self.id,
                firm_org_id=self.firm_org_id,
                from_status=previous.value,
                to_status=target.value,
                at=at,
                actor=actor,
                reason=reason,
            )
        )

    def request_authorisation(self, *, due: date, at: datetime, actor: str) -> None:
        self.move_to(Status.AWAITING_AUTHORISATION, at=at, actor=actor)
        self.authorisation_due = due

    def authorise(self, *, today: date, at: datetime, actor: str) -> None:
        """The audited entity authorises the request (授权) within its window."""
        if self.status is not Status.AWAITING_AUTHORISATION:
            raise InvalidTransition(
                self.status.value, Status.AUTHORISED.value,
                reason="only a request awaiting authorisation (待授权) can be authorised",
            )
        if self.authorisation_due is not None and today > self.authorisation_due:
            raise InvalidTransition(
                self.status.value, Status.AUTHORISED.value,
                reason=f"the authorisation window ended on {self.authorisation_due.isoformat()}",
            )
        self.move_to(Status.AUTHORISED, at=at, actor=actor)
        self.authorised_by = actor
        self.authorised_at = at

    def letter_failed(self, *, reason: str, at: datetime, actor: str) -> bool:
        """Making the authorised letter failed for good (制函失败): `failed`, with the reason.
        False (nothing changed) once the letter is no longer waiting to be made."""
        if self.status is not Status.AUTHORISED:
            return False
        self.move_to(Status.FAILED, at=at, actor=actor,
                     reason=f"制函失败 / letter not made: {reason}")
        return True

    @property
    def retryable(self) -> bool:
        """A letter that failed before it was made (authorised, no letter yet) may be made again."""
        return (self.status is Status.FAILED and self.letter_sha256 is None
                and self.authorised_at is not None)

    def retry_letter(self, *, at: datetime, actor: str) -> None:
        """The firm fixed the cause: back to `authorised`, for the letter to be made again.
        The one way out of `failed`, and only for a letter that was never made."""
        if not self.retryable:
            raise InvalidTransition(self.status.value, Status.AUTHORISED.value,
                                    reason="only a letter that failed to be made can be retried")
        self._enter(Status.AUTHORISED, at=at, actor=actor, reason="重新制函 / retried")

    def letter_made(self, *, sha256: str, at: datetime, actor: str) -> None:
        """The signed letter exists (制函) and its SHA-256 is recorded."""
        if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
            raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
        self.move_to(Status.LETTER_READY, at=at, actor=actor)
        self.letter_sha256 = sha256

    def dispatch(self, *, channel: str, responder_id: str, at: datetime, actor: str,
                 reply_due: date | None = None) -> None:
        """The letter leaves for the responder's registered channel (发函), whose adapter
        delivers it. `reply_due` runs from now until the responder's receipt sets it from the
        day of receipt, so a letter its channel is slow to take still falls due and gets its
        second requests."""
        self.move_to(Status.DISPATCHED, at=at, actor=actor, reason=f"channel {channel}")
        self.dispatched_at = at
        if reply_due is not None:
            self.reply_due = reply_due
        self.pending_events.append(events.LetterDispatched(
            at=at, actor=actor, confirmation_id=self.id, firm_org_id=self.firm_org_id,
            channel=channel, responder_id=responder_id))

    def reply_received(self, *, reply_id: str, sha256: str, at: datetime, actor: str) -> None:
        """A reply came in and is kept; its checks are queued (reply.received)."""
        self.pending_events.append(events.ReplyReceived(
            at=at, actor=actor, confirmation_id=self.id, firm_org_id=self.firm_org_id,
            reply_id=reply_id, sha256=sha256))

    def reply_rejected(self, *, reply_id: str, reason: str, at: datetime, actor: str) -> None:
        """A reply is kept as evidence but does not count, for `reason`."""
        self.pending_events.append(events.ReplyRejected(
            at=at, actor=actor, confirmation_id=self.id, firm_org_id=self.firm_org_id,
            reply_id=reply_id, reason=reason))

    def delivery_pending(self, *, reason: str, retry_hours: float, at: datetime,
                         actor: str) -> bool:
        """The channel did not take the letter yet and retries: noted on the letter (投递中)
        and, once, in its history. False (nothing noted) for a letter no longer waiting."""
        if not self.delivery_waits(state="pending", reason=reason):
            return False
        self.pending_events.append(events.DeliveryPending(
            at=at, actor=actor, confirmation_id=self.id, firm_org_id=self.firm_org_id,
            reason=reason, retry_hours=retry_hours))
        return True

    def delivery_failed(self, *, reason: str, at: datetime, actor: str) -> None:
        """The channel gave up for now (the message waits, parked): in the history, and on
        the letter (待投递) if it is still undelivered; its deadlines run all the same."""
        self.delivery_waits(state="parked", reason=reason)
        self.pending_events.append(events.DeliveryFailed(
            at=at, actor=actor, confirmation_id=self.id, firm_org_id=self.firm_org_id,
            reason=reason))

    def delivery_waits(self, *, state: str, reason: str) -> bool:
        """The channel has not taken the dispatched letter yet: `pending` while it retries,
        `parked` once it gave up. False (nothing changed) for a letter no longer waiting."""
        if self.status is not Status.DISPATCHED or state not in DELIVERY_STATES:
            return False
        if (self.delivery_state, self.delivery_reason) == (state, reason):
            return False
        self.delivery_state, self.delivery_reason = state, reason
        return True

    @property
    def delivery_waiting(self) -> str | None:
        """`pending` or `parked` while a dispatched letter waits on its channel, else None."""
        if self.status is Status.DISPATCHED and self.delivery_state in DELIVERY_STATES:
            return self.delivery_state
        return None

    def deliver(self, *, reply_due: date, return_due: date, at: datetime, actor: str,
                receipt: str | None = None) -> bool:
        """The responder confirms receipt (状态更新: received); False if it had already."""
        if self.status is not Status.DISPATCHED:
            if self.delivered_at is not None:
                return False
            raise InvalidTransition(self.status.value, Status.DELIVERED.value,
                                    reason="only a dispatched letter can be received")
        self.move_to(Status.DELIVERED, at=at, actor=actor,
                     reason=f"receipt {receipt}" if receipt else None)
        self.delivered_at = at
        self.reply_due = reply_due
        self.return_due = return_due
        self.delivery_state = self.delivery_reason = None
        return True

    def return_letter(self, *, code: str, reason: str, today: date, at: datetime,
                      actor: str) -> bool:
        """The responder returns a non-conforming letter (退函); True when it is late."""
        late = self.return_due is not None and today > self.return_due
        text = f"[{code}] {reason}" + ("（逾期退函 / late return）" if late else "")
        self.move_to(Status.RETURNED, at=at, actor=actor, reason=text)
        return late

    def second_request_due(self, schedule: tuple[int, ...], today: date,
                           add_working_days: Any) -> bool:
        """Whether the next second request (催函) of `schedule` is due by `today`."""
        if self.status.value not in AWAITING_REPLY or self.reply_due is None:
            return False
        if self.second_requests >= len(schedule):
            return False
        return bool(today >= add_working_days(self.reply_due,
                                              schedule[self.second_requests]))

    def second_request(self, *, channel: str, at: datetime, actor: str) -> int:
        """Record that a second request (催函) went out; returns its number (1, 2, …)."""
        if self.status.value not in AWAITING_REPLY:
            raise InvalidTransition(self.status.value, self.status.value,
                                    reason="second requests go only to letters awaiting a reply")
        self.second_requests += 1
        self.version += 1
        self.updated_at = at
        self.pending_events.append(events.SecondRequestSent(
            at=at, actor=actor, confirmation_id=self.id, firm_org_id=self.firm_org_id,
            number=self.second_requests, channel=channel,
            reply_due=self.reply_due.isoformat() if self.reply_due else None))
        return self.second_requests

    def reply_verified(self, *, exceptions: int, at: datetime, actor: str) -> None:
        """A valid reply bound to this letter was compared with the books (回函核对)."""
        self.move_to(Status.REPLIED, at=at, actor=actor)
        reason = f"{exceptions} exception(s)" if exceptions else "no exception"
        self.move_to(Status.VERIFIED, at=at, actor=actor, reason=reason)
        self.exception_count = exceptions

    def cancel(self, *, at: datetime, actor: str, reason: str | None = None) -> None:
        if self.status not in CANCELLABLE:
            raise InvalidTransition(
                self.status.value,
                Status.CANCELLED.value,
                reason="a letter can be cancelled (撤销) only before it is dispatched",
            )
        self.move_to(Status.CANCELLED, at=at, actor=actor, reason=reason)

    def expire_authorisation(self, *, today: date, at: datetime, actor: str) -> bool:
        """Expire the request if the client's authorisation window has passed."""
        if (
            self.status is Status.AWAITING_AUTHORISATION
            and self.authorisation_due is not None
            and today > self.authorisation_due
        ):
            self.move_to(
                Status.EXPIRED,
                at=at,
                actor=actor,
                reason=f"authorisation not given by {self.authorisation_due.isoformat()}",
            )
            return True
        return False

    def take_events(self) -> list[events.Event]:
        taken, self.pending_events = self.pending_events, []
        return taken

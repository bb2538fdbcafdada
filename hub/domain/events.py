"""Domain events: facts in the past tense, appended to the event log and published."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """The fields of an event class (read once: dataclasses.fields() is slow to call)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event; `name` is also the broker routing key."""

    name: ClassVar[str] = "event"
    aggregate_type: ClassVar[str] = "confirmation"
    # Events that only belong in the event log (nobody consumes them) are not published.
    published: ClassVar[bool] = True
    at: datetime
    actor: str

    @property
    def aggregate_id(self) -> str:
        raise NotImplementedError

    @property
    def routing_key(self) -> str:
        return self.name

    def data(self) -> dict[str, Any]:
        # Events hold flat values only, so a shallow copy is asdict() without its deep copy.
        d = {name: getattr(self, name) for name in _field_names(type(self))}
        d["at"] = self.at.isoformat()
        return d


@dataclass(frozen=True, kw_only=True)
class OrganisationCreated(Event):
    name: ClassVar[str] = "organisation.created"
    aggregate_type: ClassVar[str] = "organisation"
    published: ClassVar[bool] = False
    org_id: str
    kind: str
    org_name: str
    uscc: str

    @property
    def aggregate_id(self) -> str:
        return self.org_id


@dataclass(frozen=True, kw_only=True)
class ApiKeyCreated(Event):
    name: ClassVar[str] = "api_key.created"
    aggregate_type: ClassVar[str] = "api_key"
    published: ClassVar[bool] = False
    key_id: str
    org_id: str
    role: str

    @property
    def aggregate_id(self) -> str:
        return self.key_id


@dataclass(frozen=True, kw_only=True)
class ApiKeyRevoked(Event):
    name: ClassVar[str] = "api_key.revoked"
    aggregate_type: ClassVar[str] = "api_key"
    published: ClassVar[bool] = False
    key_id: str
    org_id: str

    @property
    def aggregate_id(self) -> str:
        return self.key_id


@dataclass(frozen=True, kw_only=True)
class ApiKeyRotated(Event):
    """The key was revoked and `new_key_id`, of the same organisation and role, replaces it."""

    name: ClassVar[str] = "api_key.rotated"
    aggregate_type: ClassVar[str] = "api_key"
    published: ClassVar[bool] = False
    key_id: str
    org_id: str
    new_key_id: str

    @property
    def aggregate_id(self) -> str:
        return self.key_id


@dataclass(frozen=True, kw_only=True)
class EngagementCreated(Event):
    name: ClassVar[str] = "engagement.created"
    aggregate_type: ClassVar[str] = "engagement"
    published: ClassVar[bool] = False
    engagement_id: str
    firm_org_id: str
    client_org_id: str

    @property
    def aggregate_id(self) -> str:
        return self.engagement_id


@dataclass(frozen=True, kw_only=True)
class ConfirmationEvent(Event):
    confirmation_id: str
    firm_org_id: str

    @property
    def aggregate_id(self) -> str:
        return self.confirmation_id


@dataclass(frozen=True, kw_only=True)
class ConfirmationSubmitted(ConfirmationEvent):
    name: ClassVar[str] = "confirmation.submitted"
    engagement_id: str
    letter_type: str
    letter_number: str


@dataclass(frozen=True, kw_only=True)
class StatusChanged(ConfirmationEvent):
    name: ClassVar[str] = "confirmation.status_changed"
    from_status: str
    to_status: str
    reason: str | None = None

    @property
    def routing_key(self) -> str:
        return f"confirmation.status.{self.to_status}"


@dataclass(frozen=True, kw_only=True)
class ResponderRecorded(Event):
    """A registry entry was registered, changed, verified or retired (its version history)."""

    name: ClassVar[str] = "responder.recorded"
    aggregate_type: ClassVar[str] = "responder"
    published: ClassVar[bool] = False
    responder_id: str
    action: str  # registered | changed | verified | retired
    version: int
    status: str
    changes: dict[str, Any]  # field: [old, new]; certificates by SHA-256 and subject

    @property
    def aggregate_id(self) -> str:
        return self.responder_id


@dataclass(frozen=True, kw_only=True)
class ReplyReceived(ConfirmationEvent):
    """A reply was stored; the jobs worker checks it (routing key reply.received)."""

    name: ClassVar[str] = "reply.received"
    reply_id: str
    sha256: str


@dataclass(frozen=True, kw_only=True)
class ReplyRejected(ConfirmationEvent):
    """A reply failed its checks; it is kept as evidence with the reason."""

    name: ClassVar[str] = "reply.rejected"
    reply_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LetterDispatched(ConfirmationEvent):
    """A letter left for its channel; its adapter delivers it (letter.dispatched.<channel>)."""

    name: ClassVar[str] = "letter.dispatched"
    channel: str
    responder_id: str

    @property
    def routing_key(self) -> str:
        return f"letter.dispatched.{self.channel}"


@dataclass(frozen=True, kw_only=True)
class DeliveryPending(ConfirmationEvent):
    """The channel did not take the letter yet; delivery is retried for `retry_hours`."""

    name: ClassVar[str] = "letter.delivery_pending"
    published: ClassVar[bool] = False
    reason: str
    retry_hours: float


@dataclass(frozen=True, kw_only=True)
class DeliveryFailed(ConfirmationEvent):
    """Delivery to the responder failed for good (parked for an operator to replay)."""

    name: ClassVar[str] = "letter.delivery_failed"
    published: ClassVar[bool] = False
    reason: str


@dataclass(frozen=True, kw_only=True)
class SecondRequestSent(ConfirmationEvent):
    """A reply is overdue and a second request (催函) went out through the channel."""

    name: ClassVar[str] = "letter.second_request"
    number: int
    channel: str
    reply_due: str | None

    @property
    def routing_key(self) -> str:
        return f"letter.second_request.{self.channel}"


@dataclass(frozen=True, kw_only=True)
class ProcedureNoted(ConfirmationEvent):
    """The auditor noted an alternative procedure (替代程序) on the letter (history only)."""

    name: ClassVar[str] = "confirmation.procedure_noted"
    published: ClassVar[bool] = False
    procedure_id: str
    text: str
    conclusion: str | None = None


@dataclass(frozen=True, kw_only=True)
class WebhookRegistered(Event):
    """A firm's (or one engagement's) webhook was registered or replaced; never its secret."""

    name: ClassVar[str] = "webhook.registered"
    aggregate_type: ClassVar[str] = "webhook"
    published: ClassVar[bool] = False
    webhook_id: str
    firm_org_id: str
    engagement_id: str | None
    url: str
    secret_generated: bool

    @property
    def aggregate_id(self) -> str:
        return self.webhook_id


@dataclass(frozen=True, kw_only=True)
class WebhookRemoved(Event):
    name: ClassVar[str] = "webhook.removed"
    aggregate_type: ClassVar[str] = "webhook"
    published: ClassVar[bool] = False
    webhook_id: str
    firm_org_id: str
    engagement_id: str | None

    @property
    def aggregate_id(self) -> str:
        return self.webhook_id


@dataclass(frozen=True, kw_only=True)
class WorkpaperReady(ConfirmationEvent):
    """The workpaper and evidence bundle exist (or an admin sends them again): the audit
    software adapter pushes them to the firm's webhook."""

    name: ClassVar[str] = "workpaper.ready"
    engagement_id: str
    redelivery: bool = False


@dataclass(frozen=True, kw_only=True)
class WorkpaperDeliveryFailed(ConfirmationEvent):
    """The webhook push gave up (parked for an operator to replay, or an admin to resend)."""

    name: ClassVar[str] = "workpaper.delivery_failed"
    published: ClassVar[bool] = False
    reason: str


@dataclass(frozen=True, kw_only=True)
class PortalActivity(ConfirmationEvent):
    """What happened on a company letter's portal link (its history; nobody consumes it)."""

    name: ClassVar[str] = "portal.activity"
    published: ClassVar[bool] = False
    reason: str


@dataclass(frozen=True, kw_only=True)
class PortalLinkSent(PortalActivity):
    name: ClassVar[str] = "portal.link_sent"


@dataclass(frozen=True, kw_only=True)
class PortalCodeSent(PortalActivity):
    name: ClassVar[str] = "portal.code_sent"


@dataclass(frozen=True, kw_only=True)
class PortalCodeRejected(PortalActivity):
    name: ClassVar[str] = "portal.code_rejected"


@dataclass(frozen=True, kw_only=True)
class PortalLocked(PortalActivity):
    name: ClassVar[str] = "portal.locked"


@dataclass(frozen=True, kw_only=True)
class PortalVerified(PortalActivity):
    name: ClassVar[str] = "portal.verified"

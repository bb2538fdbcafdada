"""Commands: imperative requests handled by exactly one service handler each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.domain.model import AmountLine, Caller


@dataclass(frozen=True)
class Command:
    """Base of every command."""


@dataclass(frozen=True)
class CreateOrganisation(Command):
    kind: str
    name: str
    uscc: str
    actor: str = "cli"


@dataclass(frozen=True)
class CreateApiKey(Command):
    org_id: str
    role: str
    actor: str = "cli"


@dataclass(frozen=True)
class CreateEngagement(Command):
    caller: Caller
    name: str
    client_name: str
    client_uscc: str
    period_start: date
    period_end: date
    reference: str | None = None
    second_request_days: tuple[int, ...] = (1,)
    responder_overrides: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SubmitConfirmation(Command):
    caller: Caller
    engagement_id: str
    letter_type: str
    letter: dict[str, Any]
    request_hash: str
    scope: str = "all"
    parent_id: str | None = None
    idempotency_key: str | None = None
    amounts: list[AmountLine] = field(default_factory=list)


@dataclass(frozen=True)
class CancelConfirmation(Command):
    caller: Caller
    confirmation_id: str
    reason: str | None = None


@dataclass(frozen=True)
class RequestAuthorisation(Command):
    """Sent by the jobs worker when a submitted request reaches it."""

    confirmation_id: str


@dataclass(frozen=True)
class ExpireAuthorisations(Command):
    """Sent by the scheduler: expire requests whose authorisation window has passed."""

    limit: int = 500


@dataclass(frozen=True)
class AuthoriseConfirmation(Command):
    """The audited entity's client_signer authorises a request (授权)."""

    caller: Caller
    confirmation_id: str


@dataclass(frozen=True)
class MakeLetter(Command):
    """Sent by the jobs worker when a request is authorised: render, sign, store (制函)."""

    confirmation_id: str


@dataclass(frozen=True)
class RegisterResponder(Command):
    """An admin registers a bank or company in the responder registry (pending until verified)."""

    caller: Caller
    kind: str
    name: str
    uscc: str
    channel: str
    bank_code: str | None = None
    parent_id: str | None = None
    reply_scope: str = ""
    endpoint: str | None = None
    contacts: tuple[dict[str, Any], ...] = ()
    certificates: tuple[str, ...] = ()  # PEM


@dataclass(frozen=True)
class ChangeResponder(Command):
    """An admin changes an entry read at `version`; routing changes need a new verification."""

    caller: Caller
    responder_id: str
    version: int
    changes: dict[str, Any]  # as in RegisterResponder: contacts as dicts, certificates as PEM


@dataclass(frozen=True)
class VerifyResponder(Command):
    caller: Caller
    responder_id: str
    version: int


@dataclass(frozen=True)
class RetireResponder(Command):
    caller: Caller
    responder_id: str
    version: int
    reason: str | None = None


@dataclass(frozen=True)
class DispatchLetter(Command):
    """Sent by the jobs worker when a letter is ready: route it to the registered channel."""

    confirmation_id: str


@dataclass(frozen=True)
class AcknowledgeReceipt(Command):
    """The responder confirms it received the letter (状态更新: received)."""

    caller: Caller
    confirmation_id: str


@dataclass(frozen=True)
class ReturnLetter(Command):
    """The responder returns a non-conforming letter (退函) with a reason."""

    caller: Caller
    confirmation_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class UploadReply(Command):
    """The responder uploads its signed reply (回函文件上传), with its structured data."""

    caller: Caller
    confirmation_id: str
    pdf: bytes
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class CheckReply(Command):
    """Sent by the jobs worker for a new reply: signature, binding, comparison."""

    reply_id: str


@dataclass(frozen=True)
class RecordDelivery(Command):
    """The channel's adapter delivered the letter and holds the responder's receipt."""

    confirmation_id: str
    receipt: str
    actor: str


@dataclass(frozen=True)
class RecordDeliveryFailure(Command):
    """The channel's adapter gave up delivering (the message is parked with the reason)."""

    confirmation_id: str
    reason: str
    actor: str


@dataclass(frozen=True)
class SendSecondRequests(Command):
    """Sent by the scheduler: second requests (催函) for replies overdue by the schedule."""

    limit: int = 500


@dataclass(frozen=True)
class MakeWorkpaper(Command):
    """Sent by the jobs worker when a confirmation is verified: workpaper and evidence."""

    confirmation_id: str

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
class RevokeApiKey(Command):
    """Revoke a key; a `caller` (a firm_admin) may name only its own organisation's keys."""

    key_id: str
    caller: Caller | None = None
    actor: str = "cli"


@dataclass(frozen=True)
class RotateApiKey(Command):
    """Revoke a key and make a new one of the same organisation and role (shown once)."""

    key_id: str
    caller: Caller | None = None
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
class RecordJobFailure(Command):
    """A job about this confirmation failed for good (parked): a letter not yet made fails."""

    confirmation_id: str
    reason: str


@dataclass(frozen=True)
class RetryLetter(Command):
    """The firm fixed the cause of a failed letter: make it again."""

    caller: Caller
    confirmation_id: str
    idempotency_key: str | None = None


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
class RecordDeliveryPending(Command):
    """The channel did not take the letter yet; its adapter retries (the firm is told)."""

    confirmation_id: str
    reason: str
    actor: str
    retry_hours: float


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


@dataclass(frozen=True)
class NoteProcedure(Command):
    """An auditor notes an alternative procedure (替代程序) on a confirmation of the firm."""

    caller: Caller
    confirmation_id: str
    text: str
    conclusion: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class RegisterWebhook(Command):
    """A firm_admin (or admin) registers the webhook of the firm, or of one engagement;
    without a secret the hub makes one and shows it once."""

    caller: Caller
    url: str
    engagement_id: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class RemoveWebhook(Command):
    caller: Caller
    engagement_id: str | None = None


@dataclass(frozen=True)
class ResendWorkpaper(Command):
    """A firm_admin (or admin) pushes a confirmation's workpaper to its webhook again."""

    caller: Caller
    confirmation_id: str


@dataclass(frozen=True)
class RecordWorkpaperDelivery(Command):
    """The audit software adapter's webhook accepted the workpaper (a 2xx)."""

    confirmation_id: str
    actor: str
    receiver: str


@dataclass(frozen=True)
class RecordWorkpaperDeliveryFailure(Command):
    confirmation_id: str
    reason: str
    actor: str


@dataclass(frozen=True)
class OpenPortalLink(Command):
    """The portal adapter makes the one-time link of a company letter (idempotent by the
    message id: a retried message gets the same link)."""

    confirmation_id: str
    message_id: str
    token_hash: str
    valid_days_after_due: int
    second_request: int | None = None


@dataclass(frozen=True)
class SendPortalCode(Command):
    """The responder asks for a verification code, to be e-mailed to the registered contact."""

    token_hash: str
    code_hash: str


@dataclass(frozen=True)
class VerifyPortalCode(Command):
    """The responder enters the code; right, the session (by its hash) opens the letter."""

    token_hash: str
    code_hash: str
    session_hash: str
    ip: str


@dataclass(frozen=True)
class SubmitPortalReply(Command):
    """The verified responder answers: agreed (信息证明无误) or differences with its figures."""

    token_hash: str
    session_hash: str
    answer: str
    form: dict[str, str]
    explanation: str
    attachments: tuple[tuple[str, str, bytes], ...]  # (file name, media type, bytes)
    ip: str
    user_agent: str


@dataclass(frozen=True)
class ConcludeUnansweredNegatives(Command):
    """Sent by the scheduler: negative company letters unanswered by their deadline are
    recorded as no difference reported (未回函视为无异议). Each is sealed inside the
    transaction, so a round takes a few at a time."""

    limit: int = 20

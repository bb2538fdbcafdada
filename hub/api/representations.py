"""How domain objects look in JSON responses (money and dates as strings)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hub.domain.labels import DELIVERY
from hub.domain.model import Confirmation, Engagement
from hub.domain.replies import Reply, ReplyException
from hub.domain.responders import Responder
from hub.ports import HistoryEntry


def _d(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


NAME_WARNING = ("另有记录对该统一社会信用代码使用了不同的名称，请核对被审计单位名称 / "
                "another record of this USCC gives the entity a different name: check it")


def engagement(e: Engagement) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "reference": e.reference,
        "client_org_id": e.client_org_id,
        "client_name": e.client_name,
        "client_name_warning": NAME_WARNING if e.client_name_disputed else None,
        "period_start": _d(e.period_start),
        "period_end": _d(e.period_end),
        "created_at": _d(e.created_at),
        "second_request_days": list(e.second_request_days),
        "responder_overrides": list(e.responder_overrides),
    }


def confirmation(c: Confirmation, *, today: date, with_letter: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "engagement_id": c.engagement_id,
        "letter_type": c.letter_type.value,
        "mode": c.mode.value,
        "letter_number": c.letter_number,
        "as_of_date": _d(c.as_of_date),
        "scope": c.scope,
        "status": c.status.value,
        "status_reason": c.status_reason,
        "authorisation_due": _d(c.authorisation_due),
        "reply_due": _d(c.reply_due),
        "created_at": _d(c.created_at),
        "updated_at": _d(c.updated_at),
        "parent_id": c.parent_id,
        "authorised_at": _d(c.authorised_at),
        "authorised_by": c.authorised_by,
        "letter_sha256": c.letter_sha256,
        "dispatched_at": _d(c.dispatched_at),
        "delivered_at": _d(c.delivered_at),
        "return_due": _d(c.return_due),
        "exception_count": c.exception_count,
        "second_requests": c.second_requests,
        "warnings": list(c.warnings),
        "delivery": delivery(c),
        "overdue": c.overdue(today),
    }
    if with_letter:
        out["letter"] = c.letter
    return out


def delivery(c: Confirmation) -> dict[str, str] | None:
    """A dispatched letter its channel has not taken yet: pending (投递中) or parked (待投递)."""
    waiting = c.delivery_waiting
    if waiting is None:
        return None
    return {"state": waiting, "label": DELIVERY[waiting].both(), "reason": c.delivery_reason or ""}


def confirmation_for_signer(c: Confirmation, *, with_letter: bool = True) -> dict[str, Any]:
    """A letter as the audited entity sees it to authorise it: its facts, never the firm's
    book values, replies, exceptions, warnings or notes."""
    out: dict[str, Any] = {
        "id": c.id,
        "engagement_id": c.engagement_id,
        "letter_type": c.letter_type.value,
        "letter_number": c.letter_number,
        "as_of_date": _d(c.as_of_date),
        "status": c.status.value,
        "authorisation_due": _d(c.authorisation_due),
        "authorised_at": _d(c.authorised_at),
        "authorised_by": c.authorised_by,
        "letter_sha256": c.letter_sha256,
    }
    if with_letter:
        out["letter"] = {k: v for k, v in c.letter.items() if k != "book_values"}
    return out


def history_entry(e: HistoryEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seq": e.seq,
        "event_type": e.event_type,
        "at": _d(e.at),
        "actor": e.actor,
        "hash": e.hash,
    }
    for key in ("from_status", "to_status", "reason"):
        if key in e.data:
            out[key] = e.data[key]
    return out


def responder(r: Responder) -> dict[str, Any]:
    return {
        "id": r.id,
        "org_id": r.org_id,
        "kind": r.kind.value,
        "name": r.name,
        "uscc": r.uscc,
        "bank_code": r.bank_code,
        "parent_id": r.parent_id,
        "reply_scope": r.reply_scope,
        "channel": r.channel.value,
        "endpoint": r.endpoint,
        "contacts": [{k: v for k, v in vars(c).items() if v is not None} for c in r.contacts],
        "certificates": [{"sha256": c.sha256, "subject": c.subject,
                          "not_after": _d(c.not_after)} for c in r.certificates],
        "status": r.status.value,
        "version": r.version,
        "created_at": _d(r.created_at),
        "updated_at": _d(r.updated_at),
        "updated_by": r.updated_by,
        "verified_at": _d(r.verified_at),
        "verified_by": r.verified_by,
    }


def responder_version(e: HistoryEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": _d(e.at),
        "actor": e.actor,
        "action": e.data["action"],
        "version": e.data["version"],
        "status": e.data["status"],
        "changes": e.data["changes"],
        "hash": e.hash,
    }


def inbox_item(c: Confirmation, client: tuple[str, str]) -> dict[str, Any]:
    """A letter as its bank sees it: never the firm's private book values."""
    letter = {k: v for k, v in c.letter.items() if k != "book_values"}
    status = c.status.value
    return {
        "id": c.id,
        "letter_number": c.letter_number,
        "letter_type": c.letter_type.value,
        "as_of_date": _d(c.as_of_date),
        "letter_sha256": c.letter_sha256,
        "customer": {"name": client[0], "uscc": client[1]},
        "status": status,
        "dispatched_at": _d(c.dispatched_at),
        "received_at": _d(c.delivered_at),
        "reply_due": _d(c.reply_due),
        "return_due": _d(c.return_due),
        "second_requests": c.second_requests,
        "status_reason": c.status_reason if status == "returned" else None,
        "letter": letter,
    }


def reply(r: Reply) -> dict[str, Any]:
    return {
        "id": r.id,
        "sha256": r.sha256,
        "status": r.status.value,
        "reason": r.reason,
        "received_at": _d(r.received_at),
        "received_by": r.received_by,
        "signer": r.signer,
        "signer_sha256": r.signer_sha256,
        "checked_at": _d(r.checked_at),
        "checks": r.checks,
        "conclusion": (r.data or {}).get("conclusion"),
    }


def reply_exception(e: ReplyException) -> dict[str, Any]:
    return {
        "item": e.item,
        "row": e.row,
        "field": e.field,
        "kind": e.kind,
        "book_value": e.book_value,
        "confirmed_value": e.confirmed_value,
        "difference": e.difference_text(),
        "explanation": e.explanation,
    }

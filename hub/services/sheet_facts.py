"""What a control sheet (函证控制表) is made of: one engagement's letters and their records."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.domain.errors import Forbidden, NotFound
from hub.domain.model import Caller, Confirmation, Engagement
from hub.domain.procedures import AlternativeProcedure
from hub.domain.replies import Reply, ReplyException
from hub.ports import ConfirmationFilter, HistoryEntry, UnitOfWork

PAGE = 500


@dataclass(frozen=True)
class LetterFacts:
    """One letter and everything recorded about it."""

    confirmation: Confirmation
    responder_name: str
    registered_channel: str | None = None
    """The channel of the responder's registry entry (None when it has none)."""
    history: list[HistoryEntry] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    exceptions: list[ReplyException] = field(default_factory=list)
    procedures: list[AlternativeProcedure] = field(default_factory=list)


@dataclass(frozen=True)
class SheetFacts:
    engagement: Engagement
    firm_name: str
    client_name: str
    client_uscc: str
    letters: list[LetterFacts]
    """In the order the letters were submitted (then by 函证编号)."""


async def read(uow: UnitOfWork, caller: Caller, engagement_id: str) -> SheetFacts:
    """The facts of an engagement of the caller's firm (NotFound for any other)."""
    if not caller.is_firm:
        raise Forbidden("control sheets are for a firm's auditor or firm_admin keys")
    engagement = await uow.engagements.get(engagement_id, caller)
    if engagement is None:
        raise NotFound("no such engagement")
    firm = await uow.organisations.get(engagement.firm_org_id)
    client = await uow.organisations.get(engagement.client_org_id)
    found: list[Confirmation] = []
    cursor: str | None = None
    while True:
        page = await uow.confirmations.list(caller, ConfirmationFilter(
            engagement_id=engagement.id, limit=PAGE, cursor=cursor))
        found += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    # Letters submitted in the same instant (a batch) in the order of their numbers.
    found.sort(key=lambda c: (c.created_at, c.letter_number))
    notes: dict[str, list[AlternativeProcedure]] = {}
    for p in await uow.procedures.of([c.id for c in found]):
        notes.setdefault(p.confirmation_id, []).append(p)
    channels: dict[str, str | None] = {}
    letters = []
    for c in found:
        if c.responder_uscc not in channels:
            entry = await uow.responders.by_uscc(c.responder_uscc)
            channels[c.responder_uscc] = entry.channel.value if entry is not None else None
        letters.append(LetterFacts(
            confirmation=c, responder_name=_responder_name(c),
            registered_channel=channels[c.responder_uscc],
            history=await uow.confirmations.history(c.id),
            replies=await uow.replies.of(c.id),
            exceptions=await uow.replies.exceptions(c.id),
            procedures=notes.get(c.id, [])))
    return SheetFacts(
        engagement=engagement, firm_name=firm.name if firm is not None else "",
        client_name=engagement.client_name or (client.name if client is not None else ""),
        client_uscc=client.uscc if client is not None else "", letters=letters)


def _responder_name(c: Confirmation) -> str:
    responder = c.letter.get("responder", {})
    name = str(responder.get("name", "")) if isinstance(responder, dict) else ""
    branch = responder.get("branch") if isinstance(responder, dict) else None
    return f"{name}（{branch}）" if name and branch else name


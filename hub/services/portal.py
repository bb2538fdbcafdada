"""The company reply portal's use cases: links, codes, replies, unanswered negative letters."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import structlog

from hub.domain import commands, events
from hub.domain.errors import PermanentError, ValidationFailed
from hub.domain.model import SYSTEM_ACTOR, Confirmation, Status
from hub.domain.portal import (
    AGREED,
    DIFFERENCES,
    MAX_ATTACHMENTS,
    MAX_EXPLANATION,
    NO_DIFFERENCE_REPORTED,
    LinkStatus,
    LinkUnusable,
    PortalLink,
    attachment_name,
    attachment_type,
    company_differences,
    conclude_without_reply,
    figures_contradict,
    is_company_letter,
    letter_rows,
    masked_email,
    typed_rows,
)
from hub.domain.replies import Reply, ReplyException, ReplyStatus, data_sha256
from hub.ports import UnitOfWork, UnitOfWorkFactory
from hub.services.deps import CommandHandler, Deps, client_name_of, confirmation_of
from hub.services.exchange import REPLY_WINDOW_WORKING_DAYS

log = structlog.get_logger(__name__)

CST = timezone(timedelta(hours=8))
HUB_SIGNER = "电子函证中心电子印章 / hub seal"


@dataclass(frozen=True)
class PortalInvite:
    """What the link's e-mail says (the token itself is only ever in the adapter's hands)."""

    link: PortalLink
    letter_number: str
    letter_type: str
    mode: str
    responder_name: str
    client_name: str
    firm_name: str
    reply_due: date


@dataclass(frozen=True)
class CodeResult:
    outcome: str  # "verified" | "wrong" | "locked"
    wrong_left: int


def _end_of_day(day: date) -> datetime:
    """Midnight after `day` in China Standard Time, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CST).astimezone(UTC)


async def _names(uow: UnitOfWork, c: Confirmation) -> tuple[str, str, str]:
    """(responder, audited entity, firm) names."""
    client_name = await client_name_of(uow, c.engagement_id, c.client_org_id)
    firm = await uow.organisations.get(c.firm_org_id)
    responder = c.letter.get("responder", {}).get("name", "")
    reply_to = c.letter.get("reply_to", {}).get("firm_name")
    return (str(responder), client_name,
            str(reply_to or (firm.name if firm else "")))


async def open_portal_link(cmd: commands.OpenPortalLink, uow: UnitOfWork,
                           deps: Deps) -> PortalInvite | None:
    """The link of one dispatch (or second request) message, made once; None when the letter
    no longer awaits a reply."""
    c = await confirmation_of(uow, cmd.confirmation_id, for_update=True)
    if not is_company_letter(c):
        raise PermanentError(f"a {c.letter_type.value} letter does not go through the portal")
    link = await uow.portal_links.by_message(cmd.message_id)
    if link is None:
        if c.status not in (Status.DISPATCHED, Status.DELIVERED):
            log.info("portal_link_not_needed", confirmation_id=c.id, status=c.status.value)
            return None
        entry = await uow.responders.by_uscc(c.responder_uscc)
        contact = next((k for k in entry.contacts if k.email), None) if entry else None
        if entry is None or contact is None or contact.email is None:
            raise PermanentError("the company's registry entry has no e-mail contact")
        now = deps.clock.now()
        due = c.reply_due or deps.calendar.add_working_days(deps.clock.today(),
                                                            REPLY_WINDOW_WORKING_DAYS)
        link = PortalLink(
            id=str(uuid.uuid4()), confirmation_id=c.id, message_id=cmd.message_id,
            token_hash=cmd.token_hash, contact_name=contact.name, email=contact.email,
            created_at=now,
            expires_at=_end_of_day(max(due, deps.clock.today())
                                   + timedelta(days=cmd.valid_days_after_due)))
        await uow.portal_links.add(link)
        what = f"催函（第 {cmd.second_request} 次）" if cmd.second_request else "询证函"
        uow.record(events.PortalLinkSent(
            at=now, actor=SYSTEM_ACTOR, confirmation_id=c.id, firm_org_id=c.firm_org_id,
            reason=f"{what}的一次性链接已发送至登记联系人 {contact.name} "
                   f"<{masked_email(contact.email)}>，有效期至 "
                   f"{link.expires_at.astimezone(CST):%Y-%m-%d %H:%M} (UTC+8)"))
    responder, client, firm = await _names(uow, c)
    due = c.reply_due or deps.calendar.add_working_days(deps.clock.today(),
                                                        REPLY_WINDOW_WORKING_DAYS)
    return PortalInvite(link=link, letter_number=c.letter_number,
                        letter_type=c.letter_type.value, mode=c.mode.value,
                        responder_name=responder, client_name=client, firm_name=firm,
                        reply_due=due)


async def _usable(uow: UnitOfWork, token_hash: str, now: datetime
                  ) -> tuple[PortalLink, Confirmation]:
    """The link and its letter, both locked, or LinkUnusable."""
    link = await uow.portal_links.by_token(token_hash, for_update=True)
    if link is None:
        raise LinkUnusable("unknown")
    c = await uow.confirmations.get(link.confirmation_id, None, for_update=True)
    link.require_usable(c, now)
    assert c is not None
    return link, c


async def send_portal_code(cmd: commands.SendPortalCode, uow: UnitOfWork,
                           deps: Deps) -> PortalLink:
    """A new verification code (its hash) for the link; the adapter e-mails the code."""
    now = deps.clock.now()
    link, c = await _usable(uow, cmd.token_hash, now)
    link.code_issued(cmd.code_hash, now)
    await uow.portal_links.save(link)
    uow.record(events.PortalCodeSent(
        at=now, actor=SYSTEM_ACTOR, confirmation_id=c.id, firm_org_id=c.firm_org_id,
        reason=f"验证码已发送至登记联系人邮箱 {masked_email(link.email)}"
               f"（第 {link.code_sends} 次）"))
    return link


async def verify_portal_code(cmd: commands.VerifyPortalCode, uow: UnitOfWork,
                             deps: Deps) -> CodeResult:
    """Check the code; a wrong one counts (and is committed), the last allowed one locks."""
    from hub.domain.portal import MAX_WRONG_CODES

    now = deps.clock.now()
    link, c = await _usable(uow, cmd.token_hash, now)
    ok = link.try_code(cmd.code_hash, now)
    who = f"{link.contact_name} <{masked_email(link.email)}>"
    common: dict[str, Any] = {"at": now, "confirmation_id": c.id,
                              "firm_org_id": c.firm_org_id}
    if ok:
        link.verified(cmd.session_hash, now)
        sent = link.code_sent_at.astimezone(CST) if link.code_sent_at else None
        uow.record(events.PortalVerified(
            actor=f"portal:{link.email}", **common,
            reason=f"{who} 以发送至登记邮箱的验证码（{sent:%Y-%m-%d %H:%M} UTC+8 发送）"
                   "完成身份核验，"
                   f"来源 IP {cmd.ip}"))
        outcome = "verified"
    elif link.status is LinkStatus.LOCKED:
        uow.record(events.PortalLocked(
            actor=SYSTEM_ACTOR, **common,
            reason=f"验证码连续错误 {link.wrong_codes} 次，链接已锁定（来源 IP {cmd.ip}） / the "
                   "link is locked after too many wrong codes"))
        c.warnings.append(f"门户链接已锁定：验证码错误 {link.wrong_codes} 次 / a portal link "
                          "was locked after repeated wrong codes")
        c.updated_at = now
        outcome = "locked"
    else:
        uow.record(events.PortalCodeRejected(
            actor=SYSTEM_ACTOR, **common,
            reason=f"验证码错误（第 {link.wrong_codes} 次，来源 IP {cmd.ip}）"))
        outcome = "wrong"
    await uow.portal_links.save(link)
    return CodeResult(outcome, max(0, MAX_WRONG_CODES - link.wrong_codes))


def _facts(c: Confirmation, names: tuple[str, str, str]) -> dict[str, Any]:
    return {"letter_number": c.letter_number, "letter_type": c.letter_type.value,
            "mode": c.mode.value, "as_of_date": c.as_of_date.isoformat(),
            "letter_sha256": c.letter_sha256, "responder_name": names[0],
            "responder_uscc": c.responder_uscc, "client_name": names[1], "firm_name": names[2],
            "delivered_at": c.delivered_at.isoformat() if c.delivered_at else None,
            "reply_due": c.reply_due.isoformat() if c.reply_due else None}


def _lines(c: Confirmation, typed: list[dict[str, Any]] | None,
           found: list[ReplyException]) -> list[dict[str, Any]]:
    """Per letter line: the letter's figures, the company's (as typed) and the differences."""
    diffs = {(e.row, e.field): e for e in found}
    out = []
    for index, row in enumerate(letter_rows(c.letter)):
        given = typed[index] if typed else {}
        line: dict[str, Any] = {"row": index, "currency": row.get("currency"),
                                "note": row.get("note")}
        for name in ("owed_by_you", "owed_to_you"):
            e = diffs.get((index, name))
            line[name] = {"book": row.get(name), "confirmed": given.get(name),
                          "difference": e.difference_text() if e else None}
        out.append(line)
    return out


@dataclass(frozen=True)
class PortalReplied:
    reply: Reply
    answer: str
    exceptions: int


async def submit_portal_reply(cmd: commands.SubmitPortalReply, uow: UnitOfWork,
                              deps: Deps) -> PortalReplied:
    """The company's answer, as it typed it: rendered, sealed by the hub with who replied,
    how they were verified, when and from where; the confirmation is verified with the
    differences as its exceptions, and the link is spent."""
    now = deps.clock.now()
    link, c = await _usable(uow, cmd.token_hash, now)
    if not link.has_session(cmd.session_hash, now):
        raise LinkUnusable("not_verified")
    if cmd.answer not in (AGREED, DIFFERENCES):
        raise ValidationFailed("请选择“信息证明无误”或“信息不符” / choose an answer",
                               field="answer")
    explanation = cmd.explanation.strip()
    if len(explanation) > MAX_EXPLANATION:
        raise ValidationFailed(f"说明不超过 {MAX_EXPLANATION} 字 / the explanation is too long",
                               field="explanation")
    typed: list[dict[str, Any]] | None = None
    found: list[ReplyException] = []
    if cmd.answer == AGREED and figures_contradict(c.letter, cmd.form):
        raise ValidationFailed("您选择了“信息证明无误”，但填写的金额与询证函不符；请选择“信息不符”"
                               "或清空金额 / your figures differ from the letter's",
                               field="answer")
    if cmd.answer == DIFFERENCES:
        typed = typed_rows(c.letter, cmd.form)
        found = company_differences(c.letter, typed)
        if not found:
            raise ValidationFailed("所填金额与询证函一致；如信息相符，请选择“信息证明无误” / your "
                                   "figures are the letter's", field="answer")
        if not explanation:
            raise ValidationFailed("请说明不符的原因 / explain the differences",
                                   field="explanation")
    if len(cmd.attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"附件最多 {MAX_ATTACHMENTS} 个 / at most {MAX_ATTACHMENTS} files",
                               field="attachments")
    files = []
    for i, (raw_name, _, blob) in enumerate(cmd.attachments):
        name = attachment_name(raw_name)
        media_type = attachment_type(name, blob, f"attachments/{i}")
        files.append((name, media_type, blob))
    names = await _names(uow, c)
    attachments = [{"name": n, "media_type": m, "size": len(d),
                    "sha256": hashlib.sha256(d).hexdigest()} for n, m, d in files]
    data: dict[str, Any] = {
        "letter_type": c.letter_type.value, "letter_number": c.letter_number,
        "letter_sha256": c.letter_sha256, "conclusion": cmd.answer,
        "rows": typed or [], "explanation": explanation, "attachments": attachments,
        "responder": {"name": link.contact_name, "email": link.email},
        "verification": {
            "method": "email_code", "email": link.email,
            "code_sent_at": link.code_sent_at.isoformat() if link.code_sent_at else None,
            "verified_at": link.verified_at.isoformat() if link.verified_at else None},
        "replied_at": now.isoformat(), "ip": cmd.ip, "user_agent": cmd.user_agent[:300],
    }
    record = {"kind": "reply", **_facts(c, names), **data,
              "lines": _lines(c, typed, found), "data_sha256": data_sha256(data)}
    pdf = await deps.portal_reply_maker.make(record)
    for _, _, content in files:
        await deps.blobs.put(content)
    sha256 = await deps.blobs.put(pdf)
    actor = f"portal:{link.email}"
    reply = Reply(id=str(uuid.uuid4()), confirmation_id=c.id, sha256=sha256, received_at=now,
                  received_by=actor, status=ReplyStatus.ACCEPTED, data=data,
                  signer=HUB_SIGNER, checked_at=now)
    await uow.replies.add(reply)
    await uow.replies.checked(reply)
    await uow.replies.add_exceptions(c.id, reply.id, found)
    c.reply_verified(exceptions=len(found), at=now, actor=actor)
    link.used(reply.id, now)
    await uow.portal_links.save(link)
    log.info("portal_reply", confirmation_id=c.id, answer=cmd.answer, exceptions=len(found))
    return PortalReplied(reply, cmd.answer, len(found))


async def conclude_unanswered_negatives(cmd: commands.ConcludeUnansweredNegatives,
                                        uow: UnitOfWork, deps: Deps) -> list[str]:
    """未回函视为无异议: each negative company letter unanswered after its reply deadline gets
    a hub-sealed record saying so, kept as its reply, and is complete (no exception)."""
    today = deps.clock.today()
    done: list[str] = []
    for cid in await uow.portal_links.negatives_unanswered(today, cmd.limit):
        c = await uow.confirmations.get(cid, None, for_update=True)
        if c is None or c.status is not Status.DELIVERED or c.reply_due is None \
                or c.reply_due >= today:
            continue
        now = deps.clock.now()
        links = await uow.portal_links.of(c.id)
        data: dict[str, Any] = {
            "letter_type": c.letter_type.value, "letter_number": c.letter_number,
            "letter_sha256": c.letter_sha256, "conclusion": NO_DIFFERENCE_REPORTED,
            "reply_due": c.reply_due.isoformat(), "recorded_at": now.isoformat(),
            "links_sent": [{"email": k.email, "sent_at": k.created_at.isoformat(),
                            "opened": k.verified_at is not None} for k in links],
        }
        record = {"kind": "no_reply", **_facts(c, await _names(uow, c)), **data,
                  "data_sha256": data_sha256(data)}
        pdf = await deps.portal_reply_maker.make(record)
        sha256 = await deps.blobs.put(pdf)
        reply = Reply(id=str(uuid.uuid4()), confirmation_id=c.id, sha256=sha256,
                      received_at=now, received_by=SYSTEM_ACTOR, status=ReplyStatus.ACCEPTED,
                      data=data, signer=HUB_SIGNER, checked_at=now)
        await uow.replies.add(reply)
        await uow.replies.checked(reply)
        conclude_without_reply(c, at=now, actor=SYSTEM_ACTOR)
        done.append(c.id)
    return done


@dataclass(frozen=True)
class PortalLetter:
    """What a verified responder sees: the letter, who it is from, its signed PDF's key."""

    confirmation: Confirmation
    link: PortalLink
    client_name: str
    firm_name: str
    letter_pdf_sha256: str | None


class PortalReader:
    """Read-only look-ups of the portal pages (no write lock, no commit)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    async def link(self, token_hash: str, now: datetime) -> PortalLink:
        """The usable link, or LinkUnusable (nothing of the letter either way)."""
        async with self._uow() as uow:
            link = await uow.portal_links.by_token(token_hash)
            if link is None:
                raise LinkUnusable("unknown")
            link.require_usable(await uow.confirmations.get(link.confirmation_id, None), now)
            return link

    async def letter(self, token_hash: str, session_hash: str | None,
                     now: datetime) -> PortalLetter:
        async with self._uow() as uow:
            link = await uow.portal_links.by_token(token_hash)
            if link is None:
                raise LinkUnusable("unknown")
            c = await uow.confirmations.get(link.confirmation_id, None)
            link.require_usable(c, now)
            assert c is not None
            if not link.has_session(session_hash, now):
                raise LinkUnusable("not_verified")
            _, client, firm = await _names(uow, c)
            doc = await uow.documents.get(c.id, "letter")
            return PortalLetter(c, link, client, firm, doc.sha256 if doc else None)


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.OpenPortalLink: open_portal_link,
    commands.SendPortalCode: send_portal_code,
    commands.VerifyPortalCode: verify_portal_code,
    commands.SubmitPortalReply: submit_portal_reply,
    commands.ConcludeUnansweredNegatives: conclude_unanswered_negatives,
}

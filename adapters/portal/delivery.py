"""Delivers a company letter: a one-time link e-mailed to the registered contact."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import structlog

from adapters.delivery_notes import DeliveryNotes
from adapters.portal.mailer import Mailer
from adapters.portal.tokens import link_token, token_hash
from hub.domain.commands import OpenPortalLink, RecordDelivery
from hub.domain.labels import COMPANY_KIND, zh_by_value
from hub.ports import CommandBus, Envelope, UnitOfWork

log = structlog.get_logger(__name__)

ACTOR = "adapter:portal"
_CST = timezone(timedelta(hours=8))
KINDS = zh_by_value(COMPANY_KIND)


def link_email(invite: Any, url: str, second: int | None) -> tuple[str, str]:
    """(subject, body) of the e-mail carrying the link."""
    kind = KINDS.get(invite.letter_type, "")
    negative = invite.mode == "negative"
    lead = f"（第 {second} 次催函）" if second else ""
    subject = f"【电子函证】{invite.firm_name}企业询证函{lead}：函证编号 {invite.letter_number}"
    ask = ("本函为消极式询证函：如所列信息与贵公司记录相符，无需回函；如有不符，请在回函期限内通过"
           "下方链接回复“信息不符”并填列贵公司记录的金额。" if negative else
           "无论所列信息是否相符，均请通过下方链接回函：相符请选择“信息证明无误”，不符请选择"
           "“信息不符”并填列贵公司记录的金额。")
    expires = invite.link.expires_at.astimezone(_CST)
    body = "\n".join([
        f"{invite.responder_name}：", "",
        f"{invite.firm_name}正在审计{invite.client_name}的财务报表，现通过电子函证中心向贵公司发出"
        f"企业询证函（{kind}），函证编号 {invite.letter_number}{lead}。", "",
        ask, "",
        "请点击以下一次性链接查看询证函并回函（仅供贵公司登记联系人使用；打开后需输入发送至本邮箱的"
        "6 位验证码）：", url, "",
        f"回函期限：{invite.reply_due.isoformat()}",
        f"链接有效期至：{expires:%Y-%m-%d %H:%M}（北京时间）；回函后链接即失效。", "",
        "本邮件由电子函证中心自动发送，请勿直接回复。如您不是收件人，请忽略并删除本邮件。", "",
        f"To {invite.link.contact_name}: {invite.firm_name} asks {invite.responder_name} to "
        f"confirm balances (letter {invite.letter_number}). Open the one-time link above.",
    ])
    return subject, body


class PortalDelivery(DeliveryNotes):
    """The handler of the adapter.portal queue (inside the consumer's unit of work).

    Makes the letter's one-time link (the same on a retry of the message), e-mails it to the
    registered contact, and once the SMTP server accepted it records delivery (the reply is due
    10 working days later). SMTP failures are transient: retried with backoff, then parked.
    """

    actor = ACTOR

    def __init__(self, bus: CommandBus, mailer: Mailer, secret: bytes, *, base_url: str,
                 valid_days_after_due: int = 14) -> None:
        self._bus = bus
        self._mailer = mailer
        self._secret = secret
        self._base = base_url.rstrip("/")
        self._days = valid_days_after_due

    async def __call__(self, envelope: Envelope, uow: UnitOfWork) -> None:
        data = envelope.data
        cid = str(data["confirmation_id"])
        second = data.get("number") if envelope.type == "letter.second_request" else None
        token = link_token(self._secret, envelope.message_id)
        invite = await self._bus.handle_in(OpenPortalLink(
            confirmation_id=cid, message_id=envelope.message_id, token_hash=token_hash(token),
            valid_days_after_due=self._days, second_request=second), uow)
        if invite is None:
            return
        subject, body = link_email(invite, f"{self._base}/portal/l/{token}", second)
        message_id = await self._mailer.send(invite.link.contact_name, invite.link.email,
                                             subject, body)
        if second is None:
            await self._bus.handle_in(RecordDelivery(
                confirmation_id=cid, receipt=f"e-mail {message_id}", actor=ACTOR), uow)
        log.info("portal_link_sent", confirmation_id=cid, second_request=second)

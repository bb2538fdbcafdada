"""The one vocabulary of what users read: statuses, letter types, modes, channels, events.

Every page, PDF, spreadsheet, e-mail and API `_zh` text takes its words from here, so the
same state is never called two things. Each entry is (Chinese, English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from hub.domain.model import LetterType, Mode, Status
from hub.domain.responders import Channel


class Label(NamedTuple):
    zh: str
    en: str

    def both(self) -> str:
        """「中文 / English」, or the Chinese alone when there is no other word for it."""
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"


STATUS: dict[Status, Label] = {
    Status.DRAFT: Label("草稿", "draft"),
    Status.AWAITING_AUTHORISATION: Label("待授权", "awaiting authorisation"),
    Status.AUTHORISED: Label("已授权", "authorised"),
    Status.LETTER_READY: Label("已制函", "letter made"),
    Status.DISPATCHED: Label("已发函", "sent"),
    Status.DELIVERED: Label("已送达", "delivered"),
    Status.RETURNED: Label("已退函", "returned"),
    Status.REPLIED: Label("已回函", "replied"),
    Status.VERIFIED: Label("已核验", "verified"),
    Status.WORKPAPER_DELIVERED: Label("底稿已送达", "workpaper delivered"),
    Status.CANCELLED: Label("已撤销", "cancelled"),
    Status.EXPIRED: Label("授权逾期", "authorisation expired"),
    Status.FAILED: Label("发函失败", "failed"),
}

LETTER_TYPE: dict[LetterType, Label] = {
    LetterType.BANK_FORMAT1: Label("银行询证函（格式一）", "bank confirmation, format 1"),
    LetterType.BANK_FORMAT2: Label("银行询证函（格式二）", "bank confirmation, format 2"),
    LetterType.BANK_CAPITAL: Label("验资业务银行询证函", "capital verification letter"),
    LetterType.COMPANY_RECEIVABLE: Label("企业询证函（应收账款）", "receivable confirmation"),
    LetterType.COMPANY_PAYABLE: Label("企业询证函（应付账款）", "payable confirmation"),
}

COMPANY_KIND: dict[LetterType, Label] = {
    LetterType.COMPANY_RECEIVABLE: Label("应收账款", "receivable"),
    LetterType.COMPANY_PAYABLE: Label("应付账款", "payable"),
}
"""What a company letter confirms, as its lists and e-mails name it."""

MODE: dict[Mode, Label] = {
    Mode.POSITIVE: Label("积极式", "positive"),
    Mode.NEGATIVE: Label("消极式", "negative"),
}

CHANNEL: dict[Channel, Label] = {
    Channel.BANK_API_PUSH: Label("银行接口（函证中心推送至银行）", "bank API, pushed by the hub"),
    Channel.BANK_API_PULL: Label("银行接口（银行从函证中心收取）", "bank API, pulled by the bank"),
    Channel.PORTAL: Label("被询证单位门户（一次性链接）", "responder portal, one-time link"),
}

DELIVERY: dict[str, Label] = {
    "pending": Label("投递中", "delivery pending: the channel is retried"),
    "parked": Label("待投递", "delivery waiting for an operator: the channel gave up for now"),
}
"""A dispatched letter its channel has not taken yet (Confirmation.delivery_waiting)."""

EVENT: dict[str, Label] = {
    "confirmation.submitted": Label("提交函证", "submitted"),
    "confirmation.status_changed": Label("状态变更", "status changed"),
    "letter.dispatched": Label("发出询证函", "letter sent"),
    "letter.delivery_pending": Label("投递待重试", "delivery pending, retrying"),
    "letter.delivery_failed": Label("投递失败", "delivery failed"),
    "letter.second_request": Label("发出催函", "second request"),
    "confirmation.procedure_noted": Label("记录替代程序", "alternative procedure noted"),
    "reply.received": Label("收到回函", "reply received"),
    "reply.rejected": Label("回函被拒收", "reply rejected"),
    "workpaper.ready": Label("底稿已生成", "workpaper made"),
    "workpaper.delivery_failed": Label("底稿推送失败", "workpaper push failed"),
    "portal.activity": Label("回函门户操作", "portal activity"),
    "portal.link_sent": Label("发送回函链接", "reply link sent"),
    "portal.code_sent": Label("发送验证码", "verification code sent"),
    "portal.code_rejected": Label("验证码错误", "wrong verification code"),
    "portal.locked": Label("回函链接已锁定", "reply link locked"),
    "portal.verified": Label("回函人身份已验证", "responder verified"),
}
"""By event type; an unknown type is shown as it is."""


def zh(vocabulary: Mapping[Any, Label], key: str) -> str:
    """The Chinese word for `key` (an enum or its value: str enums hash as their value),
    else `key` as it is."""
    label = vocabulary.get(key)
    return label.zh if label is not None else str(key)


def event_label_both(event_type: str) -> str:
    label = EVENT.get(event_type)
    return label.both() if label is not None else event_type


def zh_by_value(vocabulary: Mapping[Any, Label]) -> dict[str, str]:
    """{value: Chinese} of a vocabulary, for lookups by the plain value a document holds."""
    return {str(key): label.zh for key, label in vocabulary.items()}

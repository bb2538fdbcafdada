"""What the history's entries are called in Chinese and English, for every page and PDF."""

from __future__ import annotations

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "confirmation.submitted": ("提交函证", "submitted"),
    "confirmation.status_changed": ("状态变更", "status changed"),
    "letter.dispatched": ("发出询证函", "letter sent"),
    "letter.delivery_pending": ("投递待重试", "delivery pending, retrying"),
    "letter.delivery_failed": ("投递失败", "delivery failed"),
    "letter.second_request": ("发出催函", "second request"),
    "confirmation.procedure_noted": ("记录替代程序", "alternative procedure noted"),
    "reply.received": ("收到回函", "reply received"),
    "reply.rejected": ("回函被拒收", "reply rejected"),
    "workpaper.ready": ("底稿已生成", "workpaper made"),
    "workpaper.delivery_failed": ("底稿推送失败", "workpaper push failed"),
    "portal.activity": ("回函门户操作", "portal activity"),
    "portal.link_sent": ("发送回函链接", "reply link sent"),
    "portal.code_sent": ("发送验证码", "verification code sent"),
    "portal.code_rejected": ("验证码错误", "wrong verification code"),
    "portal.locked": ("回函链接已锁定", "reply link locked"),
    "portal.verified": ("回函人身份已验证", "responder verified"),
}
"""(Chinese, English) by event type; an unknown type is shown as it is."""


def event_label_both(event_type: str) -> str:
    zh, en = EVENT_LABELS.get(event_type, (event_type, event_type))
    return zh if zh == en else f"{zh} / {en}"

"""What the HTTP layer holds: its dependencies and the typed keys of app and request storage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from hub.domain.model import Caller
from hub.infra.clocks import SystemClock
from hub.ports import Clock
from hub.services.messagebus import MessageBus
from hub.services.queries import Queries
from hub.services.submissions import Submissions

if TYPE_CHECKING:
    from hub.readmodels import ControlSheets

ReadinessCheck = Callable[[], Awaitable[bool]]


@dataclass
class ApiDeps:
    """Everything the HTTP layer needs, handed over by the composition root."""

    bus: MessageBus
    queries: Queries
    submissions: Submissions
    """Where submitted confirmations go: committed together when they arrive together."""
    max_body_bytes: int = 1_048_576
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)
    """Whose today decides which replies are overdue."""
    control_sheets: ControlSheets | None = None
    """The report centre's control sheets (函证控制表), XLSX and PDF."""


DEPS = web.AppKey("deps", ApiDeps)
REQUEST_ID = web.RequestKey("request_id", str)
CALLER = web.RequestKey("caller", Caller)

"""What the web UI holds: its dependencies and the typed keys of app and request storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from hub.domain.model import Caller
from hub.domain.users import WebSession, WebUser
from hub.edge.clientip import Network
from hub.infra.clocks import SystemClock
from hub.ports import Clock
from hub.services.accounts import Accounts
from hub.services.messagebus import MessageBus
from hub.services.queries import Queries

PREFIX = "/web"
"""Where the UI is mounted on the hub's HTTP server."""

EngagementLinks = Callable[[str], list[tuple[str, str]]]
"""(label, href) downloads of an engagement page, e.g. the control sheet (函证控制表)."""


class ControlSheetMaker(Protocol):
    """The report centre's control sheets (hub.readmodels.ControlSheets), scoped to the caller."""

    async def xlsx(self, caller: Caller, engagement_id: str) -> bytes: ...

    async def pdf(self, caller: Caller, engagement_id: str) -> bytes: ...


@dataclass
class WebDeps:
    """Everything the web UI needs, handed over by the composition root."""

    accounts: Accounts
    queries: Queries
    clock: Clock = field(default_factory=SystemClock)
    cookie_secure: bool = True
    """Secure, __Host- prefixed cookies (settings.web_cookie_secure)."""
    engagement_links: EngagementLinks = lambda engagement_id: []
    """Extra downloads of an engagement besides the control sheet."""
    control_sheets: ControlSheetMaker | None = None
    """Makes the control sheet (函证控制表) downloads of an engagement page."""
    bus: MessageBus | None = None
    """Takes what users do (alternative procedures noted on a confirmation)."""
    page_size: int = 50
    trusted_proxies: tuple[Network, ...] = ()
    """Proxies whose X-Forwarded-For names the client (settings.trusted_proxies)."""


@dataclass(frozen=True)
class SignedInUser:
    session: WebSession
    user: WebUser


WEB_DEPS = web.AppKey("web_deps", WebDeps)
SIGNED_IN = web.RequestKey("signed_in", SignedInUser)


def web_deps(request: web.Request) -> WebDeps:
    return request.config_dict[WEB_DEPS]


def signed_in(request: web.Request) -> SignedInUser:
    return request[SIGNED_IN]

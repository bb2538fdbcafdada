"""Jinja2 rendering with autoescape on, and the HTML error pages."""

from __future__ import annotations

import functools
from typing import Any

import jinja2
import structlog
from aiohttp import web

from hub.domain.errors import Forbidden, HubError, NotFound
from hub.web import views
from hub.web.deps import PREFIX, SIGNED_IN

log = structlog.get_logger(__name__)


@functools.cache
def environment() -> jinja2.Environment:
    """Made on first use (templates are read then, not at import)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hub.web", "templates"),
        autoescape=True,  # every template, whatever its name: all data is text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(prefix=PREFIX, status_label=views.status_label,
                       letter_type_label=views.letter_type_label, STATUSES=views.STATUS_LABELS,
                       fmt_dt=views.fmt_dt, event_label=views.event_label)
    return env


def page(request: web.Request, template: str, *, status: int = 200, **context: Any
         ) -> web.Response:
    """An HTML page; the signed-in user and the CSRF token are always in the context."""
    who = request.get(SIGNED_IN)
    html = environment().get_template(template).render(
        user=who.user if who else None,
        csrf=who.session.csrf_token if who else "",
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def error_page(request: web.Request, status: int, title: str, detail: str) -> web.Response:
    return page(request, "error.html", status=status, title=title, detail=detail)


@web.middleware
async def error_pages(request: web.Request, handler: Any) -> web.StreamResponse:
    """Errors as HTML pages. Another firm's confirmation is "not found", like a missing one."""
    try:
        return await handler(request)
    except NotFound as e:
        return error_page(request, 404, "未找到 / Not found", e.message)
    except Forbidden as e:
        return error_page(request, 403, "无权访问 / Forbidden", e.message)
    except HubError as e:
        return error_page(request, 400, "请求有误 / Bad request", e.message)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        if e.status == 404:
            return error_page(request, 404, "未找到 / Not found", "该页面不存在 / no such page")
        if e.status == 403:
            return error_page(request, 403, "请求被拒绝 / Refused",
                              "表单已失效，请刷新页面后重试 / the form expired: reload and retry")
        return error_page(request, e.status, e.reason, e.text or e.reason)
    except Exception:
        log.exception("web_page_failed", path=request.path)
        return error_page(request, 500, "系统错误 / Internal error",
                          "请稍后重试 / please try again later")

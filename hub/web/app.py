"""The web UI's aiohttp application, and mounting it on the hub's HTTP server."""

from __future__ import annotations

from aiohttp import web

from hub.edge.http import refuse_control_characters
from hub.web import key_pages, pages
from hub.web.deps import PREFIX, WEB_DEPS, WebDeps
from hub.web.render import error_pages
from hub.web.security import headers, redirect, session_guard


def create_web_app(deps: WebDeps) -> web.Application:
    """Build the web UI (no I/O happens here); mount it at /web (see `mount`)."""
    app = web.Application(middlewares=[headers, error_pages, refuse_control_characters,
                                       session_guard],
                          client_max_size=64 * 1024)  # forms only: sign-in and sign-out
    app[WEB_DEPS] = deps
    app.add_routes(pages.routes)
    app.add_routes(key_pages.routes)
    return app


async def _to_ui(request: web.Request) -> web.Response:
    return redirect(f"{PREFIX}/", status=302)


def mount(app: web.Application, deps: WebDeps) -> None:
    """Serve the UI at /web on `app`, with / and /web leading to it."""
    app.add_subapp(PREFIX, create_web_app(deps))
    app.router.add_get("/", _to_ui)
    app.router.add_get(PREFIX, _to_ui)

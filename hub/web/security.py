"""The web UI's guards: security headers, session cookies, sign-in required, CSRF on POST."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

import structlog
from aiohttp import web

from hub.services.accounts import csrf_matches
from hub.web.deps import PREFIX, SIGNED_IN, SignedInUser, web_deps

log = structlog.get_logger(__name__)

SECURITY_HEADERS = {
    # No inline script or style anywhere, so a stray injection could not run either.
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

OPEN_PATHS = frozenset({f"{PREFIX}/login", f"{PREFIX}/static/style.css"})
"""Reachable without a session."""


class CsrfRefused(web.HTTPForbidden):
    """A POST without the form's token: refused before anything happens."""


def cookie_name(request: web.Request, base: str) -> str:
    """`__Host-` cookies are Secure, host-only and Path=/ (the browser enforces all three)."""
    return f"__Host-{base}" if web_deps(request).cookie_secure else base


def set_cookie(request: web.Request, response: web.StreamResponse, base: str,
               value: str) -> None:
    response.set_cookie(cookie_name(request, base), value, path="/", httponly=True,
                        samesite="Lax", secure=web_deps(request).cookie_secure)


def delete_cookie(request: web.Request, response: web.StreamResponse, base: str) -> None:
    response.del_cookie(cookie_name(request, base), path="/", samesite="Lax",
                        secure=web_deps(request).cookie_secure)


SESSION = "hub_session"
SIGN_IN_TOKEN = "hub_signin"
"""The pre-session CSRF token of the sign-in form (double submit: cookie and field)."""


def sign_in_token(request: web.Request) -> str:
    """The sign-in form's token: the browser's cookie if it has one, else a new one."""
    current = request.cookies.get(cookie_name(request, SIGN_IN_TOKEN), "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def redirect(location: str, status: int = 303) -> web.Response:
    """A redirect returned, not raised (the request log then shows its real status)."""
    return web.Response(status=status, headers={"Location": location})


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of the UI, never another site, and nothing a
    Location header cannot carry (a CR or LF would end the response after the session was
    made); other characters outside ASCII are percent-encoded."""
    if not target or not target.startswith(f"{PREFIX}/") or target.startswith("//"):
        return f"{PREFIX}/"
    if any(ch <= " " or ch == "\x7f" for ch in target):
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return f"{PREFIX}/"
    return quote(target, safe="/?&=%#:@!$'()*+,;-._~", errors="replace")


def _same_origin(request: web.Request) -> bool:
    """A browser's Origin, when it sends one, must be this host (a second CSRF guard)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # an older browser, or a same-origin GET turned POST by a redirect
    return origin != "null" and urlsplit(origin).netloc == request.host


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as e:
        e.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def session_guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every page but sign-in needs a live session; every POST needs its CSRF token."""
    deps = web_deps(request)
    token = request.cookies.get(cookie_name(request, SESSION), "")
    found = await deps.accounts.resume(token) if token else None
    if found is not None:
        request[SIGNED_IN] = SignedInUser(*found)
        structlog.contextvars.bind_contextvars(user_id=found[1].id, org_id=found[1].org_id)
    if request.method == "POST":
        await _check_csrf(request, found is not None)
    if found is None and request.path not in OPEN_PATHS:
        return redirect(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
    return await handler(request)


async def _check_csrf(request: web.Request, has_session: bool) -> None:
    form = await request.post()
    presented = form.get("csrf")
    presented = presented if isinstance(presented, str) else None
    if request.path == f"{PREFIX}/login":
        expected = request.cookies.get(cookie_name(request, SIGN_IN_TOKEN), "")
    elif has_session:
        expected = request[SIGNED_IN].session.csrf_token
    else:
        expected = ""
    if not expected or not csrf_matches(expected, presented) or not _same_origin(request):
        log.warning("csrf_refused", path=request.path)
        raise CsrfRefused(text="CSRF token missing or wrong")

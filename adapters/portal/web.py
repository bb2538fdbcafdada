"""The portal's pages as an aiohttp sub-app (mounted at /portal): verify, read, reply."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import BodyPartReader, web

from adapters.portal import pages
from adapters.portal.mailer import Mailer
from adapters.portal.tokens import (
    code_hash,
    csrf_token,
    new_code,
    new_session,
    same,
    token_hash,
)
from hub.domain.commands import SendPortalCode, SubmitPortalReply, VerifyPortalCode
from hub.domain.errors import HubError, TransientError, ValidationFailed
from hub.domain.portal import (
    CODE_MINUTES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    LinkUnusable,
    masked_email,
)
from hub.edge.clientip import Network, client_ip
from hub.ports import BlobStore, Clock, CommandBus

log = structlog.get_logger(__name__)

COOKIE = "hub_portal_session"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_PERCENT = re.compile(r"(?:[^%]|%[0-9A-Fa-f]{2})*")
MAX_FIELD_BYTES = 8 * 1024
MAX_FIELDS = 2100  # two figures for each of up to 1000 letter lines, and a few more
MAX_REPLY_BYTES = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 4 * 1024 * 1024
STATUS = {"unknown": 404, "used": 410, "expired": 410, "locked": 410, "closed": 410,
          "not_verified": 403}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class PortalDeps:
    bus: CommandBus
    reader: Any  # hub.services.portal.PortalReader
    blobs: BlobStore
    mailer: Mailer
    secret: bytes
    clock: Clock
    secure_cookies: bool
    trusted_proxies: tuple[Network, ...] = ()
    """Reverse proxies whose X-Forwarded-For tells where a reply came from."""


DEPS = web.AppKey("portal_deps", PortalDeps)


class TooLarge(ValidationFailed):
    """An upload over its limit (the rest of the request is not read)."""


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers=HEADERS)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**HEADERS, "Location": location})


def _unusable(e: LinkUnusable, base: str) -> web.Response:
    log.info("portal_link_refused", why=e.why)
    return _html(pages.error_page(e.why, base), STATUS.get(e.why, 404))


def _client_ip(request: web.Request) -> str:
    deps = request.config_dict[DEPS]
    return client_ip(request.remote, request.headers.get("X-Forwarded-For"),
                     deps.trusted_proxies)


Page = Callable[[web.Request, PortalDeps, str, str], Awaitable[web.StreamResponse]]


def _route(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Every page: the link's token from the path, its hash, and unusable links refused."""

    async def run(request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        base = f"/portal/l/{token}"
        deps = request.app[DEPS]
        if not _TOKEN.fullmatch(token):
            return _unusable(LinkUnusable("unknown"), base)
        try:
            return await handler(request, deps, token_hash(token), base)
        except LinkUnusable as e:
            return _unusable(e, base)

    return run


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _csrf_ok(deps: PortalDeps, link_hash: str, session: str | None, given: str) -> bool:
    return bool(given) and same(given, csrf_token(deps.secret, link_hash, session))


async def landing(request: web.Request, deps: PortalDeps, link_hash: str,
                  base: str) -> web.StreamResponse:
    link = await deps.reader.link(link_hash, deps.clock.now())
    csrf = csrf_token(deps.secret, link_hash, None)
    return _html(pages.landing(base, masked_email(link.email), csrf,
                               code_sent=link.code_sends > 0))


async def _unverified_post(request: web.Request, deps: PortalDeps, link_hash: str
                          ) -> tuple[dict[str, str], Any, str, str, bool]:
    """A form posted before verification: (form, link, masked e-mail, the form's CSRF token,
    whether the posted token is right)."""
    form = await _form(request)
    link = await deps.reader.link(link_hash, deps.clock.now())
    csrf = csrf_token(deps.secret, link_hash, None)
    ok = _csrf_ok(deps, link_hash, None, form.get("csrf", ""))
    return form, link, masked_email(link.email), csrf, ok


async def send_code(request: web.Request, deps: PortalDeps, link_hash: str,
                    base: str) -> web.StreamResponse:
    _, link, masked, csrf, ok = await _unverified_post(request, deps, link_hash)
    if not ok:
        return _html(pages.landing(base, masked, csrf, error="页面已过期，请重试。"), 400)
    code = new_code()
    try:
        link = await deps.bus.handle(SendPortalCode(
            token_hash=link_hash, code_hash=code_hash(deps.secret, link_hash, code)))
    except ValidationFailed as e:
        return _html(pages.landing(base, masked, csrf, error=e.message,
                                   code_sent=link.code_sends > 0), 429)
    try:
        await deps.mailer.send(
            link.contact_name, link.email, "【电子函证】身份验证码",
            f"{link.contact_name}，您好：\n\n您正在电子函证中心查看企业询证函。您的验证码为：{code}\n\n"
            f"验证码 {CODE_MINUTES} 分钟内有效，请勿告知他人。如非本人操作，请忽略本邮件。\n\n"
            f"Your verification code is {code} (valid for {CODE_MINUTES} minutes).\n")
    except HubError as e:
        log.warning("portal_code_not_sent", error=str(e))
        return _html(pages.landing(base, masked, csrf, code_sent=True,
                                   error="验证码邮件发送失败，请稍后重试。"), 503)
    return _see_other(f"{base}/verify")


async def verify_form(request: web.Request, deps: PortalDeps, link_hash: str,
                      base: str) -> web.StreamResponse:
    link = await deps.reader.link(link_hash, deps.clock.now())
    return _html(pages.verify(base, masked_email(link.email),
                              csrf_token(deps.secret, link_hash, None)))


async def verify(request: web.Request, deps: PortalDeps, link_hash: str,
                 base: str) -> web.StreamResponse:
    form, _, masked, csrf, ok = await _unverified_post(request, deps, link_hash)
    if not ok:
        return _html(pages.verify(base, masked, csrf, error="页面已过期，请重试。"), 400)
    code = form.get("code", "").strip()
    session = new_session()
    result = await deps.bus.handle(VerifyPortalCode(
        token_hash=link_hash, code_hash=code_hash(deps.secret, link_hash, code),
        session_hash=token_hash(session), ip=_client_ip(request)))
    if result.outcome == "locked":
        return _html(pages.error_page("locked"), 410)
    if result.outcome == "wrong":
        return _html(pages.verify(base, masked, csrf, error=(
            f"验证码错误或已过期，还可尝试 {result.wrong_left} 次。")), 400)
    response = _see_other(f"{base}/letter")
    response.set_cookie(COOKIE, session, path=base, httponly=True, samesite="Strict",
                        secure=deps.secure_cookies)
    return response


async def letter(request: web.Request, deps: PortalDeps, link_hash: str,
                 base: str) -> web.StreamResponse:
    session = request.cookies.get(COOKIE)
    view = await deps.reader.letter(link_hash, _hash_or_none(session), deps.clock.now())
    return _html(pages.letter_page(base, view, csrf_token(deps.secret, link_hash, session)))


async def letter_pdf(request: web.Request, deps: PortalDeps, link_hash: str,
                     base: str) -> web.StreamResponse:
    session = request.cookies.get(COOKIE)
    view = await deps.reader.letter(link_hash, _hash_or_none(session), deps.clock.now())
    if view.letter_pdf_sha256 is None:
        raise LinkUnusable("closed")
    data = await deps.blobs.get(view.letter_pdf_sha256)
    return web.Response(body=data, content_type="application/pdf", headers={
        **HEADERS, "Content-Disposition":
            f'attachment; filename="letter-{view.confirmation.id[:8]}.pdf"'})


async def _read_reply(request: web.Request
                      ) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
    """The reply form's fields and files, read with the limits applied as they stream in."""
    fields: dict[str, str] = {}
    files: list[tuple[str, str, bytes]] = []
    if (request.content_length or 0) > MAX_REPLY_BYTES:
        raise TooLarge("回函内容过大：附件每个不超过 5 MB，最多 5 个 / the reply is too large",
                       field="attachments")
    if request.content_type == "application/x-www-form-urlencoded":
        return await _form(request), files
    if request.content_type != "multipart/form-data":
        raise TooLarge("无法识别的表单 / not a form", field="form")
    reader = await request.multipart()
    count = 0
    while (part := await reader.next()) is not None:
        count += 1
        if count > MAX_FIELDS or not isinstance(part, BodyPartReader):
            raise TooLarge("表单内容过多 / too many form fields", field="form")
        name = part.name or ""
        if name == "attachments" and part.filename is not None:
            data = await _read_part(part, MAX_ATTACHMENT_BYTES, part.filename)
            if not data and not part.filename:
                continue  # the file input left empty
            files.append((_file_name(part.filename), part.headers.get("Content-Type", ""),
                          data))
            if len(files) > MAX_ATTACHMENTS:
                raise TooLarge(f"附件最多 {MAX_ATTACHMENTS} 个 / at most {MAX_ATTACHMENTS} files",
                               field="attachments")
        else:
            raw = await _read_part(part, MAX_FIELD_BYTES, name)
            fields[name] = raw.decode("utf-8", errors="replace")
    return fields, files


def _file_name(raw: str) -> str:
    """The name as the user's system has it (some clients send it percent-encoded)."""
    if raw.isascii() and "%" in raw:
        from urllib.parse import unquote

        if _PERCENT.fullmatch(raw):
            try:
                return unquote(raw, errors="strict")
            except UnicodeDecodeError:
                return raw
    return raw


def _hash_or_none(session: str | None) -> str | None:
    return token_hash(session) if session else None


async def _read_part(part: Any, limit: int, name: str) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(65536):
        data += chunk
        if len(data) > limit:
            raise TooLarge(f"附件“{name}”超过 5 MB / the file exceeds 5 MB"
                           if limit == MAX_ATTACHMENT_BYTES else "表单内容过长 / field too long",
                           field="attachments")
    return bytes(data)


async def reply(request: web.Request, deps: PortalDeps, link_hash: str,
                base: str) -> web.StreamResponse:
    session = request.cookies.get(COOKIE)
    now = deps.clock.now()
    view = await deps.reader.letter(link_hash, _hash_or_none(session), now)
    csrf = csrf_token(deps.secret, link_hash, session)
    try:
        fields, files = await _read_reply(request)
    except TooLarge as e:
        return _html(pages.letter_page(base, view, csrf, error=e.message), 413)
    if not _csrf_ok(deps, link_hash, session, fields.get("csrf", "")):
        return _html(pages.letter_page(base, view, csrf, error="页面已过期，请刷新后重试。",
                                       form=fields), 400)
    try:
        result = await deps.bus.handle(SubmitPortalReply(
            token_hash=link_hash, session_hash=token_hash(session or ""),
            answer=fields.get("answer", ""),
            form={k: v for k, v in fields.items() if k.startswith("row-")},
            explanation=fields.get("explanation", ""), attachments=tuple(files),
            ip=_client_ip(request), user_agent=request.headers.get("User-Agent", "")))
    except ValidationFailed as e:
        return _html(pages.letter_page(base, view, csrf, error=_readable(e), form=fields), 422)
    except TransientError:
        return _html(pages.letter_page(base, view, csrf, form=fields,
                                       error="系统繁忙，回函未提交，请稍后重试。"), 503)
    return _html(pages.done(view.confirmation.letter_number, result.answer, result.exceptions))


def _readable(e: ValidationFailed) -> str:
    """The message as the responder should read it (a render error names the form field)."""
    from hub.documents import UnprintableCharacter

    if isinstance(e, UnprintableCharacter):
        return (f"“{e.character}”无法打印在回函上，请改用标准字符（{e.field}） / a character "
                "cannot be printed")
    return e.message


def create_portal_app(deps: PortalDeps) -> web.Application:
    """The /portal sub-app: pages of one link each, /portal/l/<token>[/…]."""
    app = web.Application()
    app[DEPS] = deps
    app.router.add_get("/l/{token}", _route(landing))
    app.router.add_post("/l/{token}/code", _route(send_code))
    app.router.add_get("/l/{token}/verify", _route(verify_form))
    app.router.add_post("/l/{token}/verify", _route(verify))
    app.router.add_get("/l/{token}/letter", _route(letter))
    app.router.add_get("/l/{token}/letter.pdf", _route(letter_pdf))
    app.router.add_post("/l/{token}/reply", _route(reply))
    return app

"""The web UI's pages: sign-in and out, engagements, confirmations, downloads."""

from __future__ import annotations

from importlib import resources
from urllib.parse import urlencode

from aiohttp import web

from hub.domain.commands import NoteProcedure, RetryLetter
from hub.domain.errors import ValidationFailed
from hub.domain.model import Caller
from hub.edge.clientip import client_ip
from hub.services.accounts import SignInFailed
from hub.web import views
from hub.web.deps import PREFIX, signed_in, web_deps
from hub.web.render import page
from hub.web.security import (
    SESSION,
    SIGN_IN_TOKEN,
    cookie_name,
    delete_cookie,
    redirect,
    safe_next,
    set_cookie,
    sign_in_token,
)

routes = web.RouteTableDef()


def _caller(request: web.Request) -> Caller:
    return signed_in(request).user.caller()


def _sign_in_form(request: web.Request, next_path: str | None, *, error: str = "",
                  email: str = "", status: int = 200) -> web.Response:
    token = sign_in_token(request)
    response = page(request, "login.html", status=status, error=error, email=email,
                    signin_csrf=token, next=safe_next(next_path))
    set_cookie(request, response, SIGN_IN_TOKEN, token)
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return _sign_in_form(request, request.query.get("next"))


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    going = safe_next(str(form.get("next", "")))  # checked before any session exists
    try:
        deps = web_deps(request)
        done = await deps.accounts.sign_in(
            email, password, request.headers.get("User-Agent", ""),
            client_ip(request.remote, request.headers.get("X-Forwarded-For"),
                      deps.trusted_proxies))
    except SignInFailed as e:
        return _sign_in_form(request, str(form.get("next", "")), error=e.message,
                             email=email[:255], status=401)
    response = redirect(going)
    set_cookie(request, response, SESSION, done.token)
    delete_cookie(request, response, SIGN_IN_TOKEN)
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(cookie_name(request, SESSION), "")
    await web_deps(request).accounts.sign_out(token)
    response = redirect(f"{PREFIX}/login")
    delete_cookie(request, response, SESSION)
    return response


@routes.get("/")
async def engagements(request: web.Request) -> web.Response:
    deps = web_deps(request)
    caller = _caller(request)
    cursor = request.query.get("cursor") or None
    found, next_cursor = await deps.queries.engagements(caller, deps.page_size, cursor)
    names = await deps.queries.client_names(caller, found)
    return page(request, "engagements.html", engagements=found, clients=names,
                next_cursor=next_cursor)


@routes.get("/engagements/{id}")
async def engagement(request: web.Request) -> web.Response:
    deps = web_deps(request)
    caller = _caller(request)
    e = await deps.queries.engagement(caller, request.match_info["id"])
    client = (await deps.queries.client_names(caller, [e])).get(e.id, "")
    flt = views.Filters.from_query(request.query)
    today, size = deps.clock.today(), deps.page_size
    found = await deps.queries.letter_table(caller, flt.letters(e.id, today, flt.page, size))
    current = min(flt.page, views.pages_of(found.total, size))
    if current != flt.page:  # past the last page: show the last one
        found = await deps.queries.letter_table(caller, flt.letters(e.id, today, current, size))
    table = views.table(found, current, size, today)
    base = f"{PREFIX}/engagements/{e.id}"
    pages = {n: f"{base}?{urlencode(flt.query(n))}" for n in (table.page - 1, table.page + 1)}
    links = deps.engagement_links(e.id)
    if deps.control_sheets is not None:
        links = [("函证控制表 XLSX", f"{base}/control-sheet.xlsx"),
                 ("函证控制表 PDF", f"{base}/control-sheet.pdf"), *links]
    return page(request, "engagement.html", engagement=e, client=client, flt=flt,
                table=table, pages=pages, today=today, extra_links=links,
                overdue_total=found.overdue)


@routes.get("/confirmations/{id}")
async def confirmation(request: web.Request) -> web.Response:
    return await _confirmation_page(request, request.match_info["id"])


async def _confirmation_page(request: web.Request, cid: str, *, status: int = 200,
                             **note: str) -> web.Response:
    deps = web_deps(request)
    caller = _caller(request)
    c = await deps.queries.confirmation(caller, cid)
    e = await deps.queries.engagement(caller, c.engagement_id)
    client = (await deps.queries.client_names(caller, [e])).get(e.id, "")
    history = await deps.queries.history(caller, c.id)
    replies, exceptions = await deps.queries.replies(caller, c.id)
    today = deps.clock.today()
    return page(request, "confirmation.html", status=status, c=c, engagement=e, client=client,
                responder=views.responder_name(c), overdue=c.overdue(today),
                delivery=views.delivery_label(c), history=history, exceptions=exceptions,
                reports=[views.signature_report(r) for r in replies],
                downloads=views.downloads(c, replies),
                procedures=await deps.queries.procedures(caller, c.id),
                can_note=deps.bus is not None, note_error=note.get("error", ""),
                note_text=note.get("text", ""), note_conclusion=note.get("conclusion", ""))


@routes.post("/confirmations/{id}/procedures")
async def note_procedure(request: web.Request) -> web.StreamResponse:
    """记录替代程序: the note joins the control sheet and the letter's history."""
    deps = web_deps(request)
    if deps.bus is None:
        raise web.HTTPNotFound()
    cid = request.match_info["id"]
    form = await request.post()
    text, conclusion = str(form.get("text", "")), str(form.get("conclusion", ""))
    try:
        await deps.bus.handle(NoteProcedure(caller=_caller(request), confirmation_id=cid,
                                            text=text, conclusion=conclusion or None))
    except ValidationFailed as e:
        return await _confirmation_page(request, cid, status=422, error=e.message, text=text,
                                        conclusion=conclusion)
    return redirect(f"{PREFIX}/confirmations/{cid}#procedures")


@routes.post("/confirmations/{id}/retry")
async def retry_letter(request: web.Request) -> web.StreamResponse:
    """重新制函: once the cause is fixed, a letter that failed is made again."""
    deps = web_deps(request)
    if deps.bus is None:
        raise web.HTTPNotFound()
    cid = request.match_info["id"]
    await deps.bus.handle(RetryLetter(caller=_caller(request), confirmation_id=cid))
    return redirect(f"{PREFIX}/confirmations/{cid}")


_DOWNLOADS = {
    "letter.pdf": ("letter", "application/pdf", "{number}.pdf"),
    "workpaper.pdf": ("workpaper", "application/pdf", "workpaper-{number}.pdf"),
    "evidence.zip": ("evidence", "application/zip", "evidence-{number}.zip"),
}


@routes.get("/confirmations/{id}/{name:(letter|workpaper|reply)\\.pdf|evidence\\.zip}")
async def download(request: web.Request) -> web.Response:
    """The same documents as the API's downloads, through the session (same scoping)."""
    deps = web_deps(request)
    caller = _caller(request)
    cid, name = request.match_info["id"], request.match_info["name"]
    c = await deps.queries.confirmation(caller, cid)
    if name == "reply.pdf":
        data = await deps.queries.reply_pdf(caller, cid)
        media_type, filename = "application/pdf", "reply-{number}.pdf"
    else:
        kind, media_type, filename = _DOWNLOADS[name]
        data = await deps.queries.document(caller, cid, kind)
    safe_number = "".join(ch for ch in c.letter_number if ch.isalnum() or ch in "-_") or c.id
    return web.Response(body=data, content_type=media_type, headers={
        "Content-Disposition":
            f'attachment; filename="{filename.format(number=safe_number)}"'})


_SHEETS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}


@routes.get("/engagements/{id}/control-sheet.{fmt:xlsx|pdf}")
async def control_sheet(request: web.Request) -> web.Response:
    """函证控制表 as of now, through the session (another firm's engagement: 404)."""
    deps = web_deps(request)
    if deps.control_sheets is None:
        raise web.HTTPNotFound()
    caller = _caller(request)
    eid, fmt = request.match_info["id"], request.match_info["fmt"]
    e = await deps.queries.engagement(caller, eid)
    make = deps.control_sheets.xlsx if fmt == "xlsx" else deps.control_sheets.pdf
    data = await make(caller, e.id)
    safe = "".join(ch for ch in (e.reference or e.id) if ch.isalnum() or ch in "-_") or e.id
    return web.Response(body=data, content_type=_SHEETS[fmt], headers={
        "Content-Disposition": f'attachment; filename="control-sheet-{safe}.{fmt}"'})


_CSS: dict[str, bytes] = {}


@routes.get("/static/style.css")
async def style(request: web.Request) -> web.Response:
    if "css" not in _CSS:  # read on first request, not at import
        _CSS["css"] = resources.files("hub.web").joinpath("static/style.css").read_bytes()
    return web.Response(body=_CSS["css"], content_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})

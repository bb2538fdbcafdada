"""The web UI over real HTTP: sign-in with secure cookies, CSRF refusals, headers, escaping,
and another firm's user finding nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import Firm, Hub, make_firm, new_uscc, start_hub
from tests.web.conftest import PASSWORD, WebClient

EVIL_CLIENT = "北京<script>alert(1)</script>科技有限公司"
EVIL_RESPONDER = '示例贸易"><img src=x onerror=alert(2)>公司'


@dataclass
class Site:
    hub: Hub
    firm: Firm
    other: Firm
    confirmation_id: str


async def _user(hub: Hub, firm: Firm, email: str) -> None:
    await hub.container.accounts().create_user(org_id=firm.org_id, email=email, name="李娜",
                                               role="auditor", password=PASSWORD)


@pytest.fixture
async def site(sqlite_url: str, tmp_path: Any) -> AsyncIterator[Site]:
    hub = await start_hub(sqlite_url, "embedded://", tmp_path, letter_signing="off")
    try:
        firm = await make_firm(hub, client=(EVIL_CLIENT, new_uscc("110105")))
        body = firm.letter("company_receivable")
        body["letter"]["responder"]["name"] = EVIL_RESPONDER
        async with hub.client(firm.key) as http:
            resp = await http.post("/api/v1/confirmations", json=body)
            assert resp.status == 201, await resp.text()
            cid = (await resp.json())["id"]
        other = await make_firm(hub)
        await _user(hub, firm, "li.na@xinda-cpa.cn")
        await _user(hub, other, "wang.wei@other-cpa.cn")
        yield Site(hub, firm, other, cid)
    finally:
        await hub.runtime.stop()


@pytest.fixture
async def browser(site: Site) -> AsyncIterator[WebClient]:
    client = WebClient(site.hub.base)
    try:
        yield client
    finally:
        await client.close()


async def test_signing_in_sets_a_secure_host_only_session_cookie(
        site: Site, browser: WebClient) -> None:
    resp, _ = await browser.get("/")
    assert resp.status == 302 and resp.headers["Location"] == "/web/"
    resp, _ = await browser.get("/web/")
    assert resp.status == 303
    assert resp.headers["Location"] in ("/web/login?next=%2Fweb%2F", "/web/login?next=/web/")

    resp, body = await browser.sign_in("li.na@xinda-cpa.cn")
    assert resp.status == 303 and resp.headers["Location"] == "/web/"
    session = next(c for c in browser.set_cookie_headers if c.startswith("__Host-hub_session="))
    attributes = {a.strip().lower() for a in session.split(";")[1:]}
    assert {"httponly", "secure", "path=/", "samesite=lax"} <= attributes
    assert not any(a.startswith("domain") for a in attributes)

    resp, body = await browser.get("/web/")
    assert resp.status == 200
    assert "2025年度审计" in body and "李娜" in body


async def test_every_page_carries_the_security_headers(site: Site, browser: WebClient) -> None:
    for path in ("/web/login", "/web/no-such-page"):
        resp, _ = await browser.get(path)
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Referrer-Policy"] == "same-origin"


async def test_wrong_password_and_unknown_login_look_the_same(
        site: Site, browser: WebClient) -> None:
    wrong, wrong_body = await browser.sign_in("li.na@xinda-cpa.cn", "not-the-password")
    unknown, unknown_body = await browser.sign_in("nobody@xinda-cpa.cn", "not-the-password")
    assert wrong.status == unknown.status == 401
    message = re.compile(r'<p class="error" role="alert">([^<]+)</p>')
    shown = message.search(wrong_body)
    assert shown is not None and "邮箱或密码不正确" in shown.group(1)
    other = message.search(unknown_body)
    assert other is not None and other.group(1) == shown.group(1)
    assert "__Host-hub_session" not in browser.cookies


async def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
        site: Site, browser: WebClient) -> None:
    await browser.get("/web/login")  # has the sign-in cookie, but posts no token
    resp, _ = await browser.post("/web/login", data={"email": "li.na@xinda-cpa.cn",
                                                      "password": PASSWORD})
    assert resp.status == 403 and "__Host-hub_session" not in browser.cookies
    resp, _ = await browser.post("/web/login", data={"email": "li.na@xinda-cpa.cn",
                                                      "password": PASSWORD, "csrf": "x" * 43})
    assert resp.status == 403 and "__Host-hub_session" not in browser.cookies

    await browser.sign_in("li.na@xinda-cpa.cn")
    token = await browser.csrf()
    for data, headers in (({}, {}), ({"csrf": "forged"}, {}),
                          ({"csrf": token}, {"Origin": "http://evil.example"})):
        resp, _ = await browser.post("/web/logout", data=data, headers=headers)
        assert resp.status == 403
        resp, _ = await browser.get("/web/")
        assert resp.status == 200  # still signed in
    resp, _ = await browser.post("/web/logout", data={"csrf": token})
    assert resp.status == 303
    resp, _ = await browser.get("/web/")
    assert resp.status == 303  # signed out: back to the sign-in page


async def test_names_from_outside_are_shown_as_text(site: Site, browser: WebClient) -> None:
    await browser.sign_in("li.na@xinda-cpa.cn")
    pages = [
        "/web/",
        f"/web/engagements/{site.firm.engagement_id}",
        f"/web/engagements/{site.firm.engagement_id}?q=%3Cscript%3Ealert(3)%3C/script%3E",
        f"/web/confirmations/{site.confirmation_id}",
    ]
    for path in pages:
        resp, body = await browser.get(path)
        assert resp.status == 200, path
        assert "<script" not in body and "<img" not in body, path
    _, listing = await browser.get(pages[0])
    assert "北京&lt;script&gt;alert(1)&lt;/script&gt;科技有限公司" in listing
    _, table = await browser.get(pages[1])
    assert "示例贸易&#34;&gt;&lt;img src=x onerror=alert(2)&gt;公司" in table
    _, searched = await browser.get(pages[2])
    assert 'value="&lt;script&gt;alert(3)&lt;/script&gt;"' in searched


async def test_another_firms_user_finds_nothing(site: Site, browser: WebClient) -> None:
    await browser.sign_in("wang.wei@other-cpa.cn")
    _, listing = await browser.get("/web/")
    assert "script" not in listing  # the first firm's engagement is not listed
    for path in (f"/web/engagements/{site.firm.engagement_id}",
                 f"/web/confirmations/{site.confirmation_id}",
                 f"/web/confirmations/{site.confirmation_id}/letter.pdf",
                 f"/web/confirmations/{site.confirmation_id}/workpaper.pdf",
                 f"/web/confirmations/{site.confirmation_id}/reply.pdf",
                 f"/web/engagements/{site.firm.engagement_id}/control-sheet.xlsx",
                 f"/web/engagements/{site.firm.engagement_id}/control-sheet.pdf"):
        resp, body = await browser.get(path)
        assert resp.status == 404, path
        assert "未找到" in body and resp.content_type == "text/html"


async def test_plain_http_settings_drop_secure_and_the_host_prefix(
        sqlite_url: str, tmp_path: Any) -> None:
    hub = await start_hub(sqlite_url, "embedded://", tmp_path, letter_signing="off",
                          web_cookie_secure=False)
    browser = WebClient(hub.base)
    try:
        firm = await make_firm(hub)
        await _user(hub, firm, "li.na@xinda-cpa.cn")
        resp, _ = await browser.sign_in("li.na@xinda-cpa.cn")
        assert resp.status == 303
        session = next(c for c in browser.set_cookie_headers if c.startswith("hub_session="))
        attributes = {a.strip().lower() for a in session.split(";")[1:]}
        assert "secure" not in attributes and {"httponly", "samesite=lax"} <= attributes
        resp, _ = await browser.get("/web/")
        assert resp.status == 200
    finally:
        await browser.close()
        await hub.runtime.stop()


async def test_the_engagement_page_offers_its_control_sheet(site: Site, browser: WebClient
                                                           ) -> None:
    import io

    from openpyxl import load_workbook

    await browser.sign_in("li.na@xinda-cpa.cn")
    base = f"/web/engagements/{site.firm.engagement_id}"
    _, html = await browser.get(base)
    assert f'href="{base}/control-sheet.xlsx"' in html
    assert f'href="{base}/control-sheet.pdf"' in html
    resp, data = await browser.download(f"{base}/control-sheet.xlsx")
    assert resp.status == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(data))
    cells = [str(c.value) for row in workbook.active.iter_rows() for c in row if c.value]
    assert any("函证控制表" in c for c in cells)
    assert any(EVIL_RESPONDER in c for c in cells)  # the letter's row, its responder as text
    resp, data = await browser.download(f"{base}/control-sheet.pdf")
    assert resp.status == 200 and data.startswith(b"%PDF-")


async def test_an_auditor_notes_an_alternative_procedure_on_the_confirmation_page(
        site: Site, browser: WebClient) -> None:
    await browser.sign_in("li.na@xinda-cpa.cn")
    page_path = f"/web/confirmations/{site.confirmation_id}"
    note_path = f"{page_path}/procedures"
    token = await browser.csrf(page_path)
    resp, body = await browser.post(note_path, data={"csrf": token, "text": "   "})
    assert resp.status == 422 and 'role="alert"' in body  # nothing to note: refused
    resp, _ = await browser.post(note_path, data={
        "csrf": token, "text": "检查期后收款凭证 <b>2026-01-08</b>，金额一致",
        "conclusion": "余额可以确认"})
    assert resp.status == 303 and resp.headers["Location"].endswith("#procedures")
    _, body = await browser.get(page_path)
    assert "检查期后收款凭证 &lt;b&gt;2026-01-08&lt;/b&gt;，金额一致" in body
    assert body.count("余额可以确认") == 1  # one note, not the refused one
    async with site.hub.client(site.firm.key) as http:
        notes = await (await http.get(
            f"/api/v1/confirmations/{site.confirmation_id}/procedures")).json()
    assert [n["text"] for n in notes["items"]] == ["检查期后收款凭证 <b>2026-01-08</b>，金额一致"]

    other = WebClient(site.hub.base)
    try:
        await other.sign_in("wang.wei@other-cpa.cn")
        resp, _ = await other.post(note_path, data={"csrf": await other.csrf(), "text": "x"})
        assert resp.status == 404
    finally:
        await other.close()


@pytest.mark.parametrize(("next_path", "lands"), [
    ("/web/\r\nSet-Cookie: planted=1", "/web/"),
    ("/web/x\ny", "/web/"),
    ("/web/\x00", "/web/"),
    ("//evil.example/web/", "/web/"),
    ("/web/engagements?q=审计", "/web/engagements?q=%E5%AE%A1%E8%AE%A1"),
])
async def test_signing_in_goes_only_to_a_safe_page_of_the_ui(
        site: Site, browser: WebClient, next_path: str, lands: str) -> None:
    _, form = await browser.get("/web/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    resp, _ = await browser.post("/web/login", data={
        "email": "li.na@xinda-cpa.cn", "password": PASSWORD, "csrf": token.group(1),
        "next": next_path})
    assert resp.status == 303 and resp.headers["Location"] == lands
    assert "planted" not in browser.cookies
    resp, body = await browser.get("/web/")
    assert resp.status == 200 and "李娜" in body  # the session works


async def test_a_control_character_in_a_page_address_is_a_400_page_on_either_database(
        db_url: str, tmp_path: Any) -> None:
    from yarl import URL

    hub = await start_hub(db_url, "embedded://", tmp_path, letter_signing="off")
    browser = WebClient(hub.base)
    try:
        firm = await make_firm(hub)
        await _user(hub, firm, "li.na@xinda-cpa.cn")
        resp, _ = await browser.sign_in("li.na@xinda-cpa.cn")
        assert resp.status == 303
        engagement = f"/web/engagements/{firm.engagement_id}"
        for path in (f"{engagement}?q=%00", f"{engagement}?status=a%00b&page=1",
                     "/web/confirmations/%00x", "/web/engagements/a%00"):
            resp, body = await browser.get(URL(path, encoded=True))
            assert resp.status == 400, (path, body[:300])
            assert "请求有误" in body and "U+0000" in body
        resp, body = await browser.get(f"{engagement}?q=审计&page=¹")
        assert resp.status == 200, body[:300]
    finally:
        await browser.close()
        await hub.runtime.stop()

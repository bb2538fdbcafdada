"""Bad input never gives a 500, on SQLite and PostgreSQL: control characters at the edge,
odd JSON keys, long names, and a problem's `instance` that is a real uri-reference."""

from __future__ import annotations

import re
from typing import Any

import pytest
from yarl import URL

from tests.e2e.conftest import Firm, Hub, new_uscc

# RFC 3986 path characters, and percent-escapes.
URI_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$")


def engagement(**changes: Any) -> dict[str, Any]:
    return {"name": "2025年度审计", "client": {"name": "北京堃喆昇科技有限公司",
                                               "uscc": new_uscc("110105")},
            "period_start": "2025-01-01", "period_end": "2025-12-31", **changes}


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/confirmations/%00abc", "id"),
    ("/api/v1/engagements/a%00b", "id"),
    ("/api/v1/confirmations?engagement_id=%00", "engagement_id"),
    ("/api/v1/responders?q=%E9%93%B6%00", "q"),
    ("/api/v1/engagements?cursor=%0b", "cursor"),
])
async def test_a_control_character_in_a_path_id_or_query_is_refused_naming_it(
        firm: Firm, path: str, field: str) -> None:
    async with firm.hub.client(firm.key) as http:
        resp = await http.get(URL(path, encoded=True))
        problem = await resp.json(content_type=None)
    assert resp.status == 422, problem
    assert problem["errors"][0]["field"] == field
    assert URI_PATH.match(problem["instance"]), problem["instance"]


@pytest.mark.parametrize(("raw", "field"), [
    ('{"name": "审计\\u0000", "client": {"name": "甲", "uscc": "%s"},'
     ' "period_start": "2025-01-01", "period_end": "2025-12-31"}', "/name"),
    ('{"name": "审计", "client": {"name": "甲\\u000b乙", "uscc": "%s"},'
     ' "period_start": "2025-01-01", "period_end": "2025-12-31"}', "/client/name"),
    ('{"\\u0000": 1, "uscc": "%s"}', "/\x00"),
])
async def test_a_control_character_in_a_json_string_or_key_is_refused_naming_it(
        firm: Firm, raw: str, field: str) -> None:
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/engagements", data=raw % new_uscc("110105"),
                               headers={"Content-Type": "application/json"})
        problem = await resp.json(content_type=None)
        listed = await (await http.get("/api/v1/engagements")).json()
    assert resp.status == 422, problem
    assert problem["errors"][0]["field"] == field
    assert [e["id"] for e in listed["items"]] == [firm.engagement_id]  # nothing was made


@pytest.mark.parametrize("body", [{"¹": 1}, {"٣": {"²": []}}, {"name": {"¹": "x"}}])
async def test_keys_that_look_like_digits_are_a_422_not_a_500(
        firm: Firm, body: dict[str, Any]) -> None:
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/engagements", json=body)
        limit = await http.get("/api/v1/engagements", params={"limit": "¹"})
        since = await http.get("/api/v1/workpapers", params={"since": "²"})
    assert resp.status == 422, await resp.text()
    assert limit.status == 422 and (await limit.json(content_type=None))["errors"][0][
        "field"] == "limit"
    assert since.status in (403, 422), await since.text()


async def test_names_as_long_as_the_schema_allows_are_stored_on_either_database(
        firm: Firm) -> None:
    long = "北" * 500
    body = engagement(name=long, reference="R" * 500)
    body["client"]["name"] = long
    async with firm.hub.client(firm.key) as http:
        resp = await http.post("/api/v1/engagements", json=body)
        made = await resp.json(content_type=None)
        again = await (await http.get(f"/api/v1/engagements/{made.get('id')}")).json()
    assert resp.status == 201, made
    assert again["name"] == long and again["reference"] == "R" * 500


async def test_a_problem_instance_is_a_percent_encoded_uri_reference(hub: Hub) -> None:
    async with hub.client("nokey") as http:
        resp = await http.get(URL("/api/v1/engagements/审计 项目%22%3C", encoded=False))
        problem = await resp.json(content_type=None)
    assert resp.status in (401, 404), problem
    assert URI_PATH.match(problem["instance"]), problem["instance"]
    assert problem["instance"].startswith("/api/v1/engagements/%E5%AE%A1")

"""Deny by default: a route the access table does not name is refused to every caller."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.api.access import ACCESS
from hub.api.app import create_app
from hub.api.deps import ApiDeps
from hub.api.routes import endpoints
from hub.domain.model import Caller, OrgKind, Role


class Keys:
    """Every presented key is a caller of the role it names (`hub_<role>_x`)."""

    async def authenticate(self, presented: str) -> Caller:
        role = Role(presented.split("_", 2)[1].replace("-", "_"))
        return Caller(org_id="org", org_kind=OrgKind.FIRM, role=role, key_id=role.value)


class NoSubmissions:
    async def close(self) -> None:
        return None


async def _secret(request: web.Request) -> web.Response:
    return web.json_response({"leaked": True})


def _key(role: Role) -> str:
    return f"hub_{role.value.replace('_', '-')}_x"


def _app() -> web.Application:
    deps: Any = ApiDeps(bus=None, queries=Keys(), submissions=NoSubmissions())  # type: ignore
    return create_app(deps)


async def test_a_route_missing_from_the_table_is_refused_to_every_role() -> None:
    app = _app()
    app.router.add_get("/api/v1/forgotten/{id}", _secret)
    app.router.add_post("/api/v1/engagements/{id}/forgotten", _secret)
    async with TestClient(TestServer(app)) as client:
        for role in Role:
            headers = {"Authorization": f"Bearer {_key(role)}"}
            for method, path in (("GET", "/api/v1/forgotten/1"),
                                 ("POST", "/api/v1/engagements/1/forgotten")):
                resp = await client.request(method, path, headers=headers)
                assert resp.status == 404, (role, method, path)
                assert "leaked" not in await resp.text()
            unauthenticated = await client.get("/api/v1/forgotten/1")
            assert unauthenticated.status == 401


def test_every_served_route_is_in_the_table_or_public() -> None:
    served = {(e.method, e.path) for e in endpoints()}
    public = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/api/v1/openapi.json")}
    assert served - public == set(ACCESS)


async def test_the_document_says_what_a_role_outside_the_table_gets_404() -> None:
    """Every private operation documents 401 and 404; each role the table leaves out of it
    gets that 404, and no operation promises a 403 the access table turns into a 404. The one
    403 left is a rule on who may act once allowed in: an admin may not verify its own entry."""
    async with TestClient(TestServer(_app())) as client:
        doc = await (await client.get("/api/v1/openapi.json")).json()
        refused = 0
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if op.get("security") == []:
                    continue
                assert {"401", "404"} <= set(op["responses"]), (method, path)
                assert op["x-roles"] == sorted(r.value for r in ACCESS[(method.upper(), path)])
                for role in Role:
                    if role.value in op["x-roles"]:
                        continue
                    resp = await client.request(method.upper(), path.replace("{id}", "1"),
                                                headers={"Authorization": f"Bearer {_key(role)}"})
                    assert resp.status == 404, (role, method, path)
                    refused += 1
    assert refused > 100
    forbidding = {op["operationId"] for item in doc["paths"].values() for op in item.values()
                  if "403" in op["responses"]}
    assert forbidding == {"verifyResponder"}

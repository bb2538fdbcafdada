"""HTTP routes of the responder registry: 提供方信息查询 for firms, maintenance for admins."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from aiohttp import web

from hub.api import representations as rep
from hub.api.bodies import read_json
from hub.api.endpoint import Body, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of, limit_of
from hub.domain import commands
from hub.domain.errors import ValidationFailed
from hub.domain.model import OrgKind
from hub.domain.responders import ResponderStatus
from hub.ports import ResponderQuery

api = Endpoints(tag="registry")
E = TypeVar("E", bound=StrEnum)
ACTION = Body("responder_action")


def _enum_param(request: web.Request, name: str, enum: type[E]) -> E | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return enum(raw)
    except ValueError as e:
        allowed = ", ".join(m.value for m in enum.__members__.values())
        raise ValidationFailed(f"unknown {name} {raw!r}; one of {allowed}", field=name) from e


@api.get("/api/v1/responders", "searchResponders",
         "提供方信息查询: search the responder registry",
         description="Firms see verified entries (ask `status` for others); admins see all. "
                     "`q` matches part of the name, or the whole 统一社会信用代码 or bank code.",
         params=({"name": "q", "in": "query", "required": False,
                  "schema": {"type": "string", "maxLength": 200}},
                 {"name": "kind", "in": "query", "required": False,
                  "schema": {"enum": ["bank", "company"]}},
                 {"name": "status", "in": "query", "required": False,
                  "schema": {"enum": ["pending", "verified", "retired"]}},
                 "Limit"),
         replies=(Reply("200", "Matching entries.", "responder_list"),))
async def search_responders(request: web.Request) -> web.Response:
    q = request.query.get("q")
    if q is not None and len(q) > 200:
        raise ValidationFailed("q is longer than 200 characters", field="q")
    query = ResponderQuery(
        q=q or None,
        kind=_enum_param(request, "kind", OrgKind),
        status=_enum_param(request, "status", ResponderStatus),
        limit=limit_of(request),
    )
    found = await deps_of(request).queries.responders(caller_of(request), query)
    return json_response({"items": [rep.responder(r) for r in found]})


@api.post("/api/v1/responders", "registerResponder",
          "Register a bank or company (admin); pending until verified",
          body=Body("responder_create"),
          replies=(Reply("201", "The new entry.", "responder", headers=("Location",)),),
          problems=("409",))
async def register_responder(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "responder_create", deps.max_body_bytes)
    r = await deps.bus.handle(commands.RegisterResponder(
        caller=caller_of(request), kind=body["kind"], name=body["name"], uscc=body["uscc"],
        channel=body["channel"], bank_code=body.get("bank_code"),
        parent_id=body.get("parent_id"), reply_scope=body.get("reply_scope", ""),
        endpoint=body.get("endpoint"), contacts=tuple(body.get("contacts", ())),
        certificates=tuple(body.get("certificates", ())),
    ))
    return json_response(rep.responder(r), status=201,
                         headers={"Location": f"/api/v1/responders/{r.id}"})


@api.get("/api/v1/responders/{id}", "getResponder", "One registry entry",
         params=("ResponderId",), replies=(Reply("200", "The entry.", "responder"),))
async def get_responder(request: web.Request) -> web.Response:
    r = await deps_of(request).queries.responder(caller_of(request), request.match_info["id"])
    return json_response(rep.responder(r))


@api.patch("/api/v1/responders/{id}", "changeResponder",
           "Change an entry (admin); routing changes need a new verification",
           params=("ResponderId",), body=Body("responder_change"),
           replies=(Reply("200", "The changed entry.", "responder"),), problems=("409",))
async def change_responder(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "responder_change", deps.max_body_bytes)
    version = body.pop("version")
    if "reply_scope" in body:
        body["reply_scope"] = body["reply_scope"].strip()
    r = await deps.bus.handle(commands.ChangeResponder(
        caller=caller_of(request), responder_id=request.match_info["id"], version=version,
        changes=body,
    ))
    return json_response(rep.responder(r))


@api.get("/api/v1/responders/{id}/versions", "getResponderVersions",
         "Every version of an entry: who changed what, when", params=("ResponderId",),
         replies=(Reply("200", "The versions, oldest first.", "responder_history"),))
async def responder_versions(request: web.Request) -> web.Response:
    entries = await deps_of(request).queries.responder_history(
        caller_of(request), request.match_info["id"])
    return json_response({"items": [rep.responder_version(e) for e in entries]})


@api.post("/api/v1/responders/{id}/verify", "verifyResponder",
          "Verify an entry (an admin other than its last changer)",
          description="Letters can be submitted only to verified entries. The admin who "
                      "registered or last changed the entry gets 403 (four eyes).",
          params=("ResponderId",), body=ACTION,
          replies=(Reply("200", "The verified entry.", "responder"),), problems=("403", "409"))
async def verify_responder(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "responder_action", deps.max_body_bytes)
    r = await deps.bus.handle(commands.VerifyResponder(
        caller=caller_of(request), responder_id=request.match_info["id"],
        version=body["version"]))
    return json_response(rep.responder(r))


@api.post("/api/v1/responders/{id}/retire", "retireResponder",
          "Retire an entry (admin): no more letters go to it", params=("ResponderId",),
          body=ACTION, replies=(Reply("200", "The retired entry.", "responder"),),
          problems=("409",))
async def retire_responder(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "responder_action", deps.max_body_bytes)
    r = await deps.bus.handle(commands.RetireResponder(
        caller=caller_of(request), responder_id=request.match_info["id"],
        version=body["version"], reason=body.get("reason")))
    return json_response(rep.responder(r))

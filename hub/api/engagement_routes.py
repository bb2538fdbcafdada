"""HTTP routes of audit engagements (审计项目): create, list, read."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from hub.api import representations as rep
from hub.api.bodies import read_json
from hub.api.endpoint import Body, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of, limit_of
from hub.domain import commands

api = Endpoints(tag="engagements")


@api.post("/api/v1/engagements", "createEngagement",
          "Create an audit engagement (审计项目) for a client and period",
          body=Body("engagement_create"),
          replies=(Reply("201", "Created.", "engagement", headers=("Location",)),))
async def create_engagement(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "engagement_create", deps.max_body_bytes)

    engagement = await deps.bus.handle(
        commands.CreateEngagement(
            caller=caller_of(request),
            name=body["name"],
            client_name=body["client"]["name"],
            client_uscc=body["client"]["uscc"],
            period_start=date.fromisoformat(body["period_start"]),
            period_end=date.fromisoformat(body["period_end"]),
            reference=body.get("reference"),
            second_request_days=tuple(body.get("second_request_days", (1,))),
            responder_overrides=tuple(body.get("responder_overrides", ())),
        )
    )
    return json_response(
        rep.engagement(engagement), status=201,
        headers={"Location": f"/api/v1/engagements/{engagement.id}"},
    )


@api.get("/api/v1/engagements", "listEngagements", "The caller's engagements",
         params=("Limit", "Cursor"),
         replies=(Reply("200", "One page.", "engagement_list"),))
async def list_engagements(request: web.Request) -> web.Response:
    items, next_cursor = await deps_of(request).queries.engagements(
        caller_of(request), limit_of(request), request.query.get("cursor")
    )
    return json_response(
        {"items": [rep.engagement(e) for e in items], "next_cursor": next_cursor}
    )


@api.get("/api/v1/engagements/{id}", "getEngagement", "One engagement",
         params=("EngagementId",), replies=(Reply("200", "The engagement.", "engagement"),))
async def get_engagement(request: web.Request) -> web.Response:
    e = await deps_of(request).queries.engagement(caller_of(request), request.match_info["id"])
    return json_response(rep.engagement(e))

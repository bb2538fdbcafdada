"""The shared parts of the OpenAPI document: schemas from `schemas/`, problem answers, headers
and parameters that the operations refer to."""

from __future__ import annotations

from typing import Any

import schemas

OPENAPI_VERSION = "3.1.0"
PROBLEM_JSON = "application/problem+json"
_DROPPED = ("$schema", "$id")


def _component_ref(ref: str, current: str) -> str:
    """Rewrite a `$ref` between schema files to one into components/schemas."""
    target, _, fragment = ref.partition("#")
    # Files refer to each other by file name, relative to their shared base URI.
    name = target.rsplit("/", 1)[-1].removesuffix(".json") if target else current
    return f"#/components/schemas/{name}{fragment}"


def _rewrite(node: Any, current: str) -> Any:
    if isinstance(node, dict):
        return {
            key: _component_ref(value, current) if key == "$ref" and isinstance(value, str)
            else _rewrite(value, current)
            for key, value in node.items()
            if key not in _DROPPED
        }
    if isinstance(node, list):
        return [_rewrite(item, current) for item in node]
    return node


def component_schemas() -> dict[str, Any]:
    """Every schema of `schemas/` as an OpenAPI component, `$ref`s pointing inside the doc."""
    return {name: _rewrite(schemas.load(name), name) for name in schemas.names()}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: str, *, examples: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON body of the schema `schema`, with its example (or the `examples` given)."""
    media: dict[str, Any] = {"schema": ref(schema)}
    if examples:
        media["examples"] = {k: {"value": v} for k, v in examples.items()}
    else:
        media["example"] = schemas.example(schema)
    return {"application/json": media}


RESPONSE_NAMES = {
    "401": "Unauthenticated", "403": "Forbidden", "404": "NotFound", "409": "Conflict",
    "413": "TooLarge", "415": "UnsupportedMediaType", "422": "Invalid", "503": "Unavailable",
}
"""The problem answer (components/responses) of each status, by status."""


def _problem_response(description: str, *, example: dict[str, Any] | None = None,
                      headers: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": ref("problem")}
    if example is not None:
        media["example"] = example
    response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: media}}
    if headers:
        response["headers"] = headers
    return response


def _problem(status: int, code: str, title: str, detail: str, field: str | None = None
             ) -> dict[str, Any]:
    body: dict[str, Any] = {"type": f"urn:hub:problem:{code}", "title": title,
                            "status": status, "detail": detail}
    if field is not None:
        body["errors"] = [{"field": field, "message": detail}]
    return body


def responses() -> dict[str, Any]:
    """The problem answers operations refer to, and `Error` for anything unforeseen."""
    return {
        "Unauthenticated": _problem_response(
            "No valid API key was sent.",
            example=_problem(401, "unauthenticated", "Authentication required",
                             "send an API key: Authorization: Bearer <key>", "Authorization"),
            headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                          "description": "Always `Bearer`."}},
        ),
        "Forbidden": _problem_response(
            "The caller may call this operation but not act on this object: for example an "
            "admin verifying a registry entry it registered or changed itself (four eyes)."),
        "NotFound": _problem_response(
            "No such object, it belongs to another organisation, or the caller's role may not "
            "call this operation at all (x-roles lists the roles that may): the API never "
            "says which."
        ),
        "Conflict": _problem_response(
            "The request collides with existing state: the same letter (engagement, responder, "
            "函证基准日, letter type and scope) is already active, the Idempotency-Key was used "
            "for a different body, or the state machine refuses the change."
        ),
        "TooLarge": _problem_response("The body exceeds the configured size limit."),
        "UnsupportedMediaType": _problem_response(
            "The body was not sent with the media type the operation takes."),
        "Invalid": _problem_response(
            "The body, a header or a parameter is invalid (a control character in a path "
            "segment, a query parameter or a header the hub reads is refused on every "
            "operation); `errors` names every field at fault (a JSON pointer into the body, or "
            "the header or parameter name). Nothing was changed.",
            example=schemas.example("problem"),
        ),
        "Unavailable": _problem_response(
            "A dependency is unavailable (e.g. the working-day calendar has no data for the "
            "year asked about); retry later."),
        "Error": _problem_response("Any other error, as problem+json with a request id."),
    }


HEADERS = {
    "X-Request-ID": {"description": "The request id (echoed if the caller sent one); it "
                                    "identifies the request in the logs.",
                     "schema": {"type": "string"}},
    "Location": {"description": "Where the created object can be read.",
                 "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true` when this answers a replayed request.",
                            "schema": {"type": "string", "enum": ["true"]}},
}


def _id(description: str) -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}, "description": description}


PARAMETERS: dict[str, Any] = {
    "EngagementId": _id("The engagement's id."),
    "ConfirmationId": _id("The confirmation's id."),
    "ResponderId": _id("The registry entry's id."),
    "Limit": {"name": "limit", "in": "query", "required": False,
              "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
              "description": "Page size."},
    "Cursor": {"name": "cursor", "in": "query", "required": False,
               "schema": {"type": "string"},
               "description": "`next_cursor` of the previous page."},
    "IdempotencyKey": {
        "name": "Idempotency-Key", "in": "header", "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": "Makes a retry safe: the same key with the same body answers 200 "
                       "with the confirmation first created (header Idempotent-Replayed: "
                       "true); the same key with another body answers 409.",
    },
}
"""Parameters shared by several operations; an endpoint names them (`"ConfirmationId"`)."""


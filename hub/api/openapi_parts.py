"""The parts every path of the OpenAPI document is made of: components from `schemas/`, JSON
bodies, the shared problem responses, headers and parameters by reference."""

from __future__ import annotations

from typing import Any

import schemas

OPENAPI_VERSION = "3.1.0"
PROBLEM_JSON = "application/problem+json"
LETTER_TYPES = (
    "bank_format1", "bank_format2", "bank_capital", "company_receivable", "company_payable",
)
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
    media: dict[str, Any] = {"schema": ref(schema)}
    if examples:
        media["examples"] = {k: {"value": v} for k, v in examples.items()}
    else:
        media["example"] = schemas.example(schema)
    return {"application/json": media}


def problem_response(description: str, *, example: dict[str, Any] | None = None,
             headers: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": ref("problem")}
    if example is not None:
        media["example"] = example
    response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: media}}
    if headers:
        response["headers"] = headers
    return response


def errors(*codes: str) -> dict[str, Any]:
    """References to the shared problem responses, plus `default` for anything unforeseen."""
    out = {code: {"$ref": f"#/components/responses/{_RESPONSE_NAMES[code]}"} for code in codes}
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


_RESPONSE_NAMES = {
    "401": "Unauthenticated", "403": "Forbidden", "404": "NotFound", "409": "Conflict",
    "413": "TooLarge", "415": "UnsupportedMediaType", "422": "Invalid", "503": "Unavailable",
}


def responses() -> dict[str, Any]:
    def problem(status: int, code: str, title: str, detail: str, field: str | None = None
                ) -> dict[str, Any]:
        body: dict[str, Any] = {"type": f"urn:hub:problem:{code}", "title": title,
                                "status": status, "detail": detail}
        if field is not None:
            body["errors"] = [{"field": field, "message": detail}]
        return body

    return {
        "Unauthenticated": problem_response(
            "No valid API key was sent.",
            example=problem(401, "unauthenticated", "Authentication required",
                            "send an API key: Authorization: Bearer <key>", "Authorization"),
            headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                          "description": "Always `Bearer`."}},
        ),
        "Forbidden": problem_response("The caller's role may not do this."),
        "NotFound": problem_response(
            "No such object, or it belongs to another organisation (the API never says which)."
        ),
        "Conflict": problem_response(
            "The request collides with existing state: the same letter (engagement, responder, "
            "函证基准日, letter type and scope) is already active, the Idempotency-Key was used "
            "for a different body, or the state machine refuses the change."
        ),
        "TooLarge": problem_response("The body exceeds the configured size limit."),
        "UnsupportedMediaType": problem_response("The body was not sent as application/json."),
        "Invalid": problem_response(
            "The body, a header or a parameter is invalid; `errors` names every field at fault "
            "(a JSON pointer into the body, or the header or parameter name). Nothing was "
            "changed.",
            example=schemas.example("problem"),
        ),
        "Unavailable": problem_response(
            "A dependency is unavailable (e.g. the working-day calendar has no data for the "
            "year asked about); retry later."),
        "Error": problem_response("Any other error, as problem+json with a request id."),
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


def ok(description: str, schema: str, status: str = "200", *,
        headers: tuple[str, ...] = ()) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": json_content(schema),
                                "headers": {h: {"$ref": f"#/components/headers/{h}"}
                                            for h in ("X-Request-ID", *headers)}}
    return {status: response}


def param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}

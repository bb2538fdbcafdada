"""The OpenAPI 3.1 document of the HTTP API, built from the JSON Schemas in `schemas/`."""

from __future__ import annotations

import copy
import functools
from importlib import metadata
from typing import Any

import schemas
from hub.domain.model import Status

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


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: str, *, examples: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(schema)}
    if examples:
        media["examples"] = {k: {"value": v} for k, v in examples.items()}
    else:
        media["example"] = schemas.example(schema)
    return {"application/json": media}


def _problem(description: str, *, example: dict[str, Any] | None = None,
             headers: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref("problem")}
    if example is not None:
        media["example"] = example
    response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: media}}
    if headers:
        response["headers"] = headers
    return response


def _errors(*codes: str) -> dict[str, Any]:
    """References to the shared problem responses, plus `default` for anything unforeseen."""
    out = {code: {"$ref": f"#/components/responses/{_RESPONSE_NAMES[code]}"} for code in codes}
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


_RESPONSE_NAMES = {
    "401": "Unauthenticated", "403": "Forbidden", "404": "NotFound", "409": "Conflict",
    "413": "TooLarge", "415": "UnsupportedMediaType", "422": "Invalid", "503": "Unavailable",
}


def _responses() -> dict[str, Any]:
    def problem(status: int, code: str, title: str, detail: str, field: str | None = None
                ) -> dict[str, Any]:
        body: dict[str, Any] = {"type": f"urn:hub:problem:{code}", "title": title,
                                "status": status, "detail": detail}
        if field is not None:
            body["errors"] = [{"field": field, "message": detail}]
        return body

    return {
        "Unauthenticated": _problem(
            "No valid API key was sent.",
            example=problem(401, "unauthenticated", "Authentication required",
                            "send an API key: Authorization: Bearer <key>", "Authorization"),
            headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                          "description": "Always `Bearer`."}},
        ),
        "Forbidden": _problem("The caller's role may not do this."),
        "NotFound": _problem(
            "No such object, or it belongs to another organisation (the API never says which)."
        ),
        "Conflict": _problem(
            "The request collides with existing state: the same letter (engagement, responder, "
            "函证基准日, letter type and scope) is already active, the Idempotency-Key was used "
            "for a different body, or the state machine refuses the change."
        ),
        "TooLarge": _problem("The body exceeds the configured size limit."),
        "UnsupportedMediaType": _problem("The body was not sent as application/json."),
        "Invalid": _problem(
            "The body, a header or a parameter is invalid; `errors` names every field at fault "
            "(a JSON pointer into the body, or the header or parameter name). Nothing was "
            "changed.",
            example=schemas.example("problem"),
        ),
        "Unavailable": _problem("A dependency is unavailable (e.g. the working-day calendar "
                                "has no data for the year asked about); retry later."),
        "Error": _problem("Any other error, as problem+json with a request id."),
    }


def _parameters() -> dict[str, Any]:
    from hub.api import openapi_registry
    uuid = {"type": "string", "format": "uuid"}
    return {
        "EngagementId": {"name": "id", "in": "path", "required": True, "schema": uuid,
                         "description": "The engagement's id."},
        "ConfirmationId": {"name": "id", "in": "path", "required": True, "schema": uuid,
                           "description": "The confirmation's id."},
        "ResponderId": openapi_registry.RESPONDER_ID,
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


_HEADERS = {
    "X-Request-ID": {"description": "The request id (echoed if the caller sent one); it "
                                    "identifies the request in the logs.",
                     "schema": {"type": "string"}},
    "Location": {"description": "Where the created object can be read.",
                 "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true` when this answers a replayed request.",
                            "schema": {"type": "string", "enum": ["true"]}},
}


def _ok(description: str, schema: str, status: str = "200", *,
        headers: tuple[str, ...] = ()) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _json(schema),
                                "headers": {h: {"$ref": f"#/components/headers/{h}"}
                                            for h in ("X-Request-ID", *headers)}}
    return {status: response}


def _param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _paths() -> dict[str, Any]:
    from hub.api import openapi_inbox, openapi_registry  # they build on the helpers above
    body_errors = ("401", "403", "413", "415", "422")
    letter_examples = {
        lt: schemas.example(f"confirmation_request.{lt}") for lt in LETTER_TYPES
    }
    health = {"type": "object", "required": ["status"],
              "properties": {"status": {"type": "string"},
                             "checks": {"type": "object",
                                        "additionalProperties": {"type": "string",
                                                                 "enum": ["ok", "unreachable"]}}}}
    return {
        "/api/v1/engagements": {
            "post": {
                "operationId": "createEngagement", "tags": ["engagements"],
                "summary": "Create an audit engagement (审计项目) for a client and period",
                "requestBody": {"required": True, "content": _json("engagement_create")},
                "responses": {**_ok("Created.", "engagement", "201", headers=("Location",)),
                              **_errors(*body_errors)},
            },
            "get": {
                "operationId": "listEngagements", "tags": ["engagements"],
                "summary": "The caller's engagements",
                "parameters": [_param("Limit"), _param("Cursor")],
                "responses": {**_ok("One page.", "engagement_list"), **_errors("401", "422")},
            },
        },
        "/api/v1/engagements/{id}": {
            "get": {
                "operationId": "getEngagement", "tags": ["engagements"],
                "summary": "One engagement",
                "parameters": [_param("EngagementId")],
                "responses": {**_ok("The engagement.", "engagement"), **_errors("401", "404")},
            },
        },
        "/api/v1/confirmations": {
            "post": {
                "operationId": "submitConfirmation", "tags": ["confirmations"],
                "summary": "Submit a confirmation request (函证申请)",
                "description": "Validates the letter against the schema of its type, resolves "
                               "the responder through the registry and records the request; "
                               "the client's authorisation (授权) is asked for next. Amounts "
                               "are decimal strings, never JSON numbers; a body with a "
                               "duplicated key is refused.",
                "parameters": [_param("IdempotencyKey")],
                "requestBody": {"required": True,
                                "content": _json("confirmation_request",
                                                 examples=letter_examples)},
                "responses": {
                    **_ok("Created.", "confirmation", "201", headers=("Location",)),
                    **_ok("A replay of an earlier request with the same Idempotency-Key and "
                          "body: the confirmation it created.", "confirmation",
                          headers=("Location", "Idempotent-Replayed")),
                    **_errors(*body_errors, "404", "409", "503"),
                },
            },
            "get": {
                "operationId": "listConfirmations", "tags": ["confirmations"],
                "summary": "List confirmations, newest first (letters left out)",
                "parameters": [
                    {"name": "engagement_id", "in": "query", "required": False,
                     "schema": {"type": "string", "format": "uuid"}},
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": [s.value for s in Status]}},
                    _param("Limit"), _param("Cursor"),
                ],
                "responses": {**_ok("One page.", "confirmation_list"), **_errors("401", "422")},
            },
        },
        "/api/v1/confirmations/{id}": {
            "get": {
                "operationId": "getConfirmation", "tags": ["confirmations"],
                "summary": "One confirmation with its letter",
                "parameters": [_param("ConfirmationId")],
                "responses": {**_ok("The confirmation.", "confirmation"),
                              **_errors("401", "404")},
            },
        },
        "/api/v1/confirmations/{id}/history": {
            "get": {
                "operationId": "getConfirmationHistory", "tags": ["confirmations"],
                "summary": "Status history (状态流转记录) from the hash-chained event log",
                "parameters": [_param("ConfirmationId")],
                "responses": {**_ok("The history, oldest first.", "history"),
                              **_errors("401", "404")},
            },
        },
        "/api/v1/confirmations/{id}/cancel": {
            "post": {
                "operationId": "cancelConfirmation", "tags": ["confirmations"],
                "summary": "Cancel (撤销) a confirmation that has not been dispatched",
                "parameters": [_param("ConfirmationId")],
                "requestBody": {"required": False, "content": _json("cancel_request")},
                "responses": {**_ok("The cancelled confirmation.", "confirmation"),
                              **_errors(*body_errors, "404", "409")},
            },
        },
        "/api/v1/confirmations/{id}/retry": {
            "post": {
                "operationId": "retryConfirmation", "tags": ["confirmations"],
                "summary": "Retry (重新制函) a letter that failed to be made, once the cause "
                           "is fixed",
                "description": "Only a firm key; only a confirmation `failed` before its letter "
                               "was made (status_reason says why). It goes back to "
                               "`authorised` and the letter is made again. With the same "
                               "Idempotency-Key a repeated request changes nothing.",
                "parameters": [_param("ConfirmationId"), _param("IdempotencyKey")],
                "responses": {**_ok("The confirmation, authorised again.", "confirmation"),
                              **_errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/confirmations/{id}/authorization": {
            "post": {
                "operationId": "authoriseConfirmation", "tags": ["confirmations"],
                "summary": "Authorise (授权) the request: the audited entity's client_signer",
                "description": "Allowed while the confirmation awaits authorisation and its "
                               "window (10 working days) is open; the letter is then "
                               "rendered, signed and becomes letter_ready.",
                "parameters": [_param("ConfirmationId")],
                "responses": {**_ok("The authorised confirmation.", "confirmation"),
                              **_errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/confirmations/{id}/letter.pdf": {
            "get": {
                "operationId": "getLetterPdf", "tags": ["confirmations"],
                "summary": "The signed letter (询证函) as PDF, once made",
                "parameters": [_param("ConfirmationId")],
                "responses": {
                    "200": {"description": "The signed PDF; its SHA-256 is letter_sha256.",
                            "content": {"application/pdf": {
                                "schema": {"type": "string", "format": "binary"}}}},
                    **_errors("401", "404"),
                },
            },
        },
        **openapi_registry.paths(),
        **openapi_inbox.paths(),
        **_webhooks("paths"),
        **_reports(),
        **_apikeys(),
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi", "tags": ["meta"], "security": [],
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}},
            },
        },
        "/healthz": {
            "get": {
                "operationId": "healthz", "tags": ["meta"], "security": [],
                "summary": "Liveness: the process answers",
                "responses": {"200": {"description": "Alive.", "content": {
                    "application/json": {"schema": health, "example": {"status": "ok"}}}}},
            },
        },
        "/readyz": {
            "get": {
                "operationId": "readyz", "tags": ["meta"], "security": [],
                "summary": "Readiness: the database and the broker are reachable",
                "responses": {
                    "200": {"description": "Ready.", "content": {"application/json": {
                        "schema": health,
                        "example": {"status": "ready",
                                    "checks": {"database": "ok", "broker": "ok"}}}}},
                    "503": {"description": "Not ready; `checks` says what is unreachable.",
                            "content": {"application/json": {
                                "schema": health,
                                "example": {"status": "not_ready",
                                            "checks": {"database": "ok",
                                                       "broker": "unreachable"}}}}},
                },
            },
        },
    }


def _webhooks(part: str) -> dict[str, Any]:
    """The webhook registration `paths`, or the `webhooks` the hub sends (openapi_webhooks)."""
    from hub.api import openapi_webhooks

    return openapi_webhooks.paths() if part == "paths" else openapi_webhooks.webhooks()


def _reports() -> dict[str, Any]:
    """Alternative procedures and control sheets (openapi_reports)."""
    from hub.api import openapi_reports

    return openapi_reports.paths()


def _apikeys() -> dict[str, Any]:
    """A firm's API keys (openapi_apikeys)."""
    from hub.api import openapi_apikeys

    return openapi_apikeys.paths()


def _with_roles(paths: dict[str, Any]) -> dict[str, Any]:
    """Each operation says which roles may call it (`x-roles`), from the access table."""
    from hub.api.access import ACCESS

    for (method, path), roles in ACCESS.items():
        operation = paths.get(path, {}).get(method.lower())
        if operation is not None:
            operation["x-roles"] = sorted(r.value for r in roles)
    return paths


def _version() -> str:
    try:
        return metadata.version("confirmation-hub")
    except metadata.PackageNotFoundError:
        return "0.0.0"


@functools.cache
def _document() -> dict[str, Any]:
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "电子函证中心 API (confirmation exchange hub)",
            "version": _version(),
            "summary": "Submit and track audit confirmation letters (银行询证函, 企业询证函).",
            "description": (
                "The HTTP API of the electronic confirmation exchange hub. Audit software "
                "submits confirmation requests (bank letters in the 2024 formats of "
                "财办会〔2024〕2号, capital verification letters and company letters) and "
                "tracks them. Money is always a JSON string holding a decimal number; dates "
                "are ISO 8601; organisations are identified by their 统一社会信用代码. Every "
                "error is application/problem+json (RFC 9457) with the fields at fault."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [
            {"name": "engagements", "description": "Audit engagements (审计项目)."},
            {"name": "confirmations", "description": "Confirmation letters (函证)."},
            {"name": "registry", "description": "The responder registry (函证地址登记)."},
            {"name": "inbox", "description": "A bank's letters, returns and replies."},
            {"name": "reports", "description": "Control sheets (函证控制表) and the auditor's "
                                               "alternative procedures (替代程序)."},
            {"name": "webhooks", "description": "Workpapers pushed to audit software "
                                                 "(审计作业系统) and their registration."},
            {"name": "apikeys", "description": "A firm's API keys (API 密钥), by its "
                                                "firm_admin."},
            {"name": "meta", "description": "Health and this document."},
        ],
        "security": [{"ApiKeyBearer": []}, {"ApiKeyHeader": []}],
        "paths": _with_roles(_paths()),
        "webhooks": _webhooks("webhooks"),
        "components": {
            "schemas": component_schemas(),
            "responses": _responses(),
            "parameters": _parameters(),
            "headers": _HEADERS,
            "securitySchemes": {
                "ApiKeyBearer": {
                    "type": "http", "scheme": "bearer", "bearerFormat": "API key",
                    "description": "`Authorization: Bearer <key>` with an API key issued to "
                                   "one organisation and role. The same key is also accepted "
                                   "in the header `X-API-Key`.",
                },
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                                 "description": "The API key, as an alternative to "
                                                "`Authorization: Bearer`."},
            },
        },
    }


def build_openapi(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document; `server_url` (e.g. "https://hub.example.cn") fills `servers`."""
    document = copy.deepcopy(_document())
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/")}]
    return document

"""The OpenAPI 3.1 document of the HTTP API, built from the JSON Schemas in `schemas/`."""

from __future__ import annotations

import copy
import functools
from importlib import metadata
from typing import Any

import schemas
from hub.api import (
    openapi_apikeys,
    openapi_inbox,
    openapi_registry,
    openapi_reports,
    openapi_webhooks,
)
from hub.api.openapi_parts import (
    HEADERS,
    LETTER_TYPES,
    OPENAPI_VERSION,
    component_schemas,
    errors,
    json_content,
    ok,
    param,
    responses,
)
from hub.domain.model import Status


def _parameters() -> dict[str, Any]:
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


def _paths() -> dict[str, Any]:
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
                "requestBody": {"required": True, "content": json_content("engagement_create")},
                "responses": {**ok("Created.", "engagement", "201", headers=("Location",)),
                              **errors(*body_errors)},
            },
            "get": {
                "operationId": "listEngagements", "tags": ["engagements"],
                "summary": "The caller's engagements",
                "parameters": [param("Limit"), param("Cursor")],
                "responses": {**ok("One page.", "engagement_list"), **errors("401", "422")},
            },
        },
        "/api/v1/engagements/{id}": {
            "get": {
                "operationId": "getEngagement", "tags": ["engagements"],
                "summary": "One engagement",
                "parameters": [param("EngagementId")],
                "responses": {**ok("The engagement.", "engagement"), **errors("401", "404")},
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
                "parameters": [param("IdempotencyKey")],
                "requestBody": {"required": True,
                                "content": json_content("confirmation_request",
                                                 examples=letter_examples)},
                "responses": {
                    **ok("Created.", "confirmation", "201", headers=("Location",)),
                    **ok("A replay of an earlier request with the same Idempotency-Key and "
                          "body: the confirmation it created.", "confirmation",
                          headers=("Location", "Idempotent-Replayed")),
                    **errors(*body_errors, "404", "409", "503"),
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
                    param("Limit"), param("Cursor"),
                ],
                "responses": {**ok("One page.", "confirmation_list"), **errors("401", "422")},
            },
        },
        "/api/v1/confirmations/{id}": {
            "get": {
                "operationId": "getConfirmation", "tags": ["confirmations"],
                "summary": "One confirmation with its letter",
                "parameters": [param("ConfirmationId")],
                "responses": {**ok("The confirmation.", "confirmation"),
                              **errors("401", "404")},
            },
        },
        "/api/v1/confirmations/{id}/history": {
            "get": {
                "operationId": "getConfirmationHistory", "tags": ["confirmations"],
                "summary": "Status history (状态流转记录) from the hash-chained event log",
                "parameters": [param("ConfirmationId")],
                "responses": {**ok("The history, oldest first.", "history"),
                              **errors("401", "404")},
            },
        },
        "/api/v1/confirmations/{id}/cancel": {
            "post": {
                "operationId": "cancelConfirmation", "tags": ["confirmations"],
                "summary": "Cancel (撤销) a confirmation that has not been dispatched",
                "parameters": [param("ConfirmationId")],
                "requestBody": {"required": False, "content": json_content("cancel_request")},
                "responses": {**ok("The cancelled confirmation.", "confirmation"),
                              **errors(*body_errors, "404", "409")},
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
                "parameters": [param("ConfirmationId"), param("IdempotencyKey")],
                "responses": {**ok("The confirmation, authorised again.", "confirmation"),
                              **errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/confirmations/{id}/authorization": {
            "post": {
                "operationId": "authoriseConfirmation", "tags": ["confirmations"],
                "summary": "Authorise (授权) the request: the audited entity's client_signer",
                "description": "Allowed while the confirmation awaits authorisation and its "
                               "window (10 working days) is open; the letter is then "
                               "rendered, signed and becomes letter_ready.",
                "parameters": [param("ConfirmationId")],
                "responses": {**ok("The authorised confirmation.", "confirmation"),
                              **errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/confirmations/{id}/letter.pdf": {
            "get": {
                "operationId": "getLetterPdf", "tags": ["confirmations"],
                "summary": "The signed letter (询证函) as PDF, once made",
                "parameters": [param("ConfirmationId")],
                "responses": {
                    "200": {"description": "The signed PDF; its SHA-256 is letter_sha256.",
                            "content": {"application/pdf": {
                                "schema": {"type": "string", "format": "binary"}}}},
                    **errors("401", "404"),
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

    return openapi_webhooks.paths() if part == "paths" else openapi_webhooks.webhooks()


def _reports() -> dict[str, Any]:
    """Alternative procedures and control sheets (openapi_reports)."""

    return openapi_reports.paths()


def _apikeys() -> dict[str, Any]:
    """A firm's API keys (openapi_apikeys)."""

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
            "responses": responses(),
            "parameters": _parameters(),
            "headers": HEADERS,
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

"""The OpenAPI 3.1 document, generated from the endpoint table, the access table and `schemas/`."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from importlib import metadata
from typing import Any

import schemas
from hub.api.access import ACCESS, is_public
from hub.api.endpoint import Body, Endpoint, Param, Reply
from hub.api.openapi_components import (
    HEADERS,
    OPENAPI_VERSION,
    PARAMETERS,
    RESPONSE_NAMES,
    component_schemas,
    json_content,
    responses,
)
from hub.api.openapi_webhooks import webhooks

BINARY = {"type": "string", "format": "binary"}
TAGS = (
    ("engagements", "Audit engagements (审计项目)."),
    ("confirmations", "Confirmation letters (函证)."),
    ("registry", "The responder registry (函证地址登记)."),
    ("inbox", "A bank's letters, returns and replies."),
    ("reports", "Control sheets (函证控制表) and the auditor's alternative procedures (替代程序)."),
    ("webhooks", "Workpapers pushed to audit software (审计作业系统) and their registration."),
    ("apikeys", "A firm's API keys (API 密钥), by its firm_admin."),
    ("meta", "Health and this document."),
)


def problem_statuses(endpoint: Endpoint) -> list[str]:
    """The problem answers an operation may give, decided here for every route at once.

    422 on every one (a control character in a path segment, query parameter or read header
    is refused before any handler); 401 and 404 on every one that needs an API key (404 also
    for a role outside the operation's x-roles: deny by default, as across tenants); 413, 415
    and 422 where a body is read; and the statuses the endpoint declares itself (409, 403, 503).
    """
    codes = {"422", *endpoint.problems}
    if not is_public(endpoint.path):
        codes |= {"401", "404"}
    if endpoint.body is not None:
        codes |= {"413", "415"}
    return sorted(codes)


def _param(param: Param) -> dict[str, Any]:
    if isinstance(param, str):
        return {"$ref": f"#/components/parameters/{param}"}
    return copy.deepcopy(dict(param))


def _body(body: Body) -> dict[str, Any]:
    if body.inline is not None or body.schema is None:
        content = {body.media: {"schema": copy.deepcopy(dict(body.inline or {}))}}
    else:
        examples = {name.removeprefix(f"{body.schema}."): schemas.example(name)
                    for name in body.examples}
        content = json_content(body.schema, examples=examples or None)
    return {"required": body.required, "content": content}


def _reply(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        out["content"] = json_content(reply.schema)
    elif reply.inline is not None:
        media: dict[str, Any] = {"schema": copy.deepcopy(dict(reply.inline))}
        if reply.example is not None:
            media["example"] = copy.deepcopy(reply.example)
        out["content"] = {reply.media: media}
    elif reply.media != "application/json":
        out["content"] = {reply.media: {"schema": dict(BINARY)}}
    out["headers"] = {h: {"$ref": f"#/components/headers/{h}"}
                      for h in ("X-Request-ID", *reply.headers)}
    return out


def operation(endpoint: Endpoint) -> dict[str, Any]:
    """The OpenAPI operation object of one endpoint."""
    op: dict[str, Any] = {"operationId": endpoint.operation_id, "tags": [endpoint.tag],
                          "summary": endpoint.summary}
    if endpoint.description:
        op["description"] = endpoint.description
    if is_public(endpoint.path):
        op["security"] = []
    if endpoint.params:
        op["parameters"] = [_param(p) for p in endpoint.params]
    if endpoint.body is not None:
        op["requestBody"] = _body(endpoint.body)
    op["responses"] = {
        **{r.status: _reply(r) for r in endpoint.replies},
        **{code: {"$ref": f"#/components/responses/{RESPONSE_NAMES[code]}"}
           for code in problem_statuses(endpoint)},
        "default": {"$ref": "#/components/responses/Error"},
    }
    if not is_public(endpoint.path):  # deny by default: a route the table misses has none
        op["x-roles"] = sorted(r.value for r in ACCESS.get((endpoint.method, endpoint.path), ()))
    return op


def paths(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for endpoint in endpoints:
        item = out.setdefault(endpoint.path, {})
        if endpoint.method.lower() in item:
            raise ValueError(f"{endpoint.method} {endpoint.path} is declared twice")
        item[endpoint.method.lower()] = operation(endpoint)
    return out


def _version() -> str:
    try:
        return metadata.version("confirmation-hub")
    except metadata.PackageNotFoundError:
        return "0.0.0"


@functools.lru_cache(maxsize=4)
def _document(endpoints: tuple[Endpoint, ...]) -> dict[str, Any]:
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
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "security": [{"ApiKeyBearer": []}, {"ApiKeyHeader": []}],
        "paths": paths(endpoints),
        "webhooks": webhooks(),
        "components": {
            "schemas": component_schemas(),
            "responses": responses(),
            "parameters": copy.deepcopy(PARAMETERS),
            "headers": copy.deepcopy(HEADERS),
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


def build_openapi(endpoints: Iterable[Endpoint], server_url: str | None = None
                  ) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `endpoints` (hub.api.routes.endpoints() for the whole API);
    `server_url` (e.g. "https://hub.example.cn") fills `servers`."""
    document = copy.deepcopy(_document(tuple(endpoints)))
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/")}]
    return document

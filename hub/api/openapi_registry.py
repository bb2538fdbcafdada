"""The responder registry's part of the OpenAPI document (提供方信息查询 and maintenance)."""

from __future__ import annotations

from typing import Any

from hub.api.openapi import _errors, _json, _ok, _param

RESPONDER_ID = {"name": "id", "in": "path", "required": True,
                "schema": {"type": "string", "format": "uuid"},
                "description": "The registry entry's id."}


def paths() -> dict[str, Any]:
    body_errors = ("401", "403", "413", "415", "422")
    action = {"required": True, "content": _json("responder_action")}
    return {
        "/api/v1/responders": {
            "get": {
                "operationId": "searchResponders", "tags": ["registry"],
                "summary": "提供方信息查询: search the responder registry",
                "description": "Firms see verified entries (ask `status` for others); admins "
                               "see all. `q` matches part of the name, or the whole "
                               "统一社会信用代码 or bank code.",
                "parameters": [
                    {"name": "q", "in": "query", "required": False,
                     "schema": {"type": "string", "maxLength": 200}},
                    {"name": "kind", "in": "query", "required": False,
                     "schema": {"enum": ["bank", "company"]}},
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"enum": ["pending", "verified", "retired"]}},
                    _param("Limit"),
                ],
                "responses": {**_ok("Matching entries.", "responder_list"),
                              **_errors("401", "403", "422")},
            },
            "post": {
                "operationId": "registerResponder", "tags": ["registry"],
                "summary": "Register a bank or company (admin); pending until verified",
                "requestBody": {"required": True, "content": _json("responder_create")},
                "responses": {**_ok("The new entry.", "responder", "201",
                                    headers=("Location",)),
                              **_errors(*body_errors, "409")},
            },
        },
        "/api/v1/responders/{id}": {
            "get": {
                "operationId": "getResponder", "tags": ["registry"],
                "summary": "One registry entry",
                "parameters": [_param("ResponderId")],
                "responses": {**_ok("The entry.", "responder"), **_errors("401", "403", "404")},
            },
            "patch": {
                "operationId": "changeResponder", "tags": ["registry"],
                "summary": "Change an entry (admin); routing changes need a new verification",
                "parameters": [_param("ResponderId")],
                "requestBody": {"required": True, "content": _json("responder_change")},
                "responses": {**_ok("The changed entry.", "responder"),
                              **_errors(*body_errors, "404", "409")},
            },
        },
        "/api/v1/responders/{id}/versions": {
            "get": {
                "operationId": "getResponderVersions", "tags": ["registry"],
                "summary": "Every version of an entry: who changed what, when",
                "parameters": [_param("ResponderId")],
                "responses": {**_ok("The versions, oldest first.", "responder_history"),
                              **_errors("401", "403", "404")},
            },
        },
        "/api/v1/responders/{id}/verify": {
            "post": {
                "operationId": "verifyResponder", "tags": ["registry"],
                "summary": "Verify an entry (an admin other than its last changer)",
                "description": "Letters can be submitted only to verified entries.",
                "parameters": [_param("ResponderId")],
                "requestBody": action,
                "responses": {**_ok("The verified entry.", "responder"),
                              **_errors(*body_errors, "404", "409")},
            },
        },
        "/api/v1/responders/{id}/retire": {
            "post": {
                "operationId": "retireResponder", "tags": ["registry"],
                "summary": "Retire an entry (admin): no more letters go to it",
                "parameters": [_param("ResponderId")],
                "requestBody": action,
                "responses": {**_ok("The retired entry.", "responder"),
                              **_errors(*body_errors, "404", "409")},
            },
        },
    }

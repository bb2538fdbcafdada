"""The responder registry's part of the OpenAPI document (提供方信息查询 and maintenance)."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_parts import errors, json_content, ok, param

RESPONDER_ID = {"name": "id", "in": "path", "required": True,
                "schema": {"type": "string", "format": "uuid"},
                "description": "The registry entry's id."}


def paths() -> dict[str, Any]:
    body_errors = ("401", "403", "413", "415", "422")
    action = {"required": True, "content": json_content("responder_action")}
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
                    param("Limit"),
                ],
                "responses": {**ok("Matching entries.", "responder_list"),
                              **errors("401", "403", "422")},
            },
            "post": {
                "operationId": "registerResponder", "tags": ["registry"],
                "summary": "Register a bank or company (admin); pending until verified",
                "requestBody": {"required": True, "content": json_content("responder_create")},
                "responses": {**ok("The new entry.", "responder", "201",
                                    headers=("Location",)),
                              **errors(*body_errors, "409")},
            },
        },
        "/api/v1/responders/{id}": {
            "get": {
                "operationId": "getResponder", "tags": ["registry"],
                "summary": "One registry entry",
                "parameters": [param("ResponderId")],
                "responses": {**ok("The entry.", "responder"), **errors("401", "403", "404")},
            },
            "patch": {
                "operationId": "changeResponder", "tags": ["registry"],
                "summary": "Change an entry (admin); routing changes need a new verification",
                "parameters": [param("ResponderId")],
                "requestBody": {"required": True, "content": json_content("responder_change")},
                "responses": {**ok("The changed entry.", "responder"),
                              **errors(*body_errors, "404", "409")},
            },
        },
        "/api/v1/responders/{id}/versions": {
            "get": {
                "operationId": "getResponderVersions", "tags": ["registry"],
                "summary": "Every version of an entry: who changed what, when",
                "parameters": [param("ResponderId")],
                "responses": {**ok("The versions, oldest first.", "responder_history"),
                              **errors("401", "403", "404")},
            },
        },
        "/api/v1/responders/{id}/verify": {
            "post": {
                "operationId": "verifyResponder", "tags": ["registry"],
                "summary": "Verify an entry (an admin other than its last changer)",
                "description": "Letters can be submitted only to verified entries.",
                "parameters": [param("ResponderId")],
                "requestBody": action,
                "responses": {**ok("The verified entry.", "responder"),
                              **errors(*body_errors, "404", "409")},
            },
        },
        "/api/v1/responders/{id}/retire": {
            "post": {
                "operationId": "retireResponder", "tags": ["registry"],
                "summary": "Retire an entry (admin): no more letters go to it",
                "parameters": [param("ResponderId")],
                "requestBody": action,
                "responses": {**ok("The retired entry.", "responder"),
                              **errors(*body_errors, "404", "409")},
            },
        },
    }

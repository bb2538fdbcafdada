"""The OpenAPI document describes the workpaper webhook the hub sends, with a valid example."""

from __future__ import annotations

from typing import Any

from hub.api.openapi import build_openapi
from hub.api.routes import endpoints
from tests.unit.test_openapi import validator_for


def test_the_workpaper_webhook_is_documented_with_its_signature_rule() -> None:
    doc: dict[str, Any] = build_openapi(endpoints(), "https://hub.example.cn")
    post = doc["webhooks"]["workpaper.ready"]["post"]
    headers = {p["name"]: p for p in post["parameters"]}
    assert set(headers) == {"X-Hub-Event", "X-Hub-Timestamp", "X-Hub-Signature",
                            "X-Hub-Message-Id", "X-Hub-Redelivery"}
    assert all(h["in"] == "header" for h in headers.values())
    assert "<timestamp>.<body>" in post["description"]
    assert "compare_digest" in post["description"]
    media = post["requestBody"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/workpaper_ready"}
    validator_for(doc, media["schema"]).validate(media["example"])
    put = doc["paths"]["/api/v1/engagements/{id}/webhook"]["put"]
    assert {"200", "201", "404", "422"} <= set(put["responses"])

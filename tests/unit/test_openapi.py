"""The OpenAPI document: valid 3.1, complete, problem+json errors, examples that validate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import schemas
from hub.api.app import create_app
from hub.api.deps import ApiDeps
from hub.api.endpoint import Body, Endpoints, Reply
from hub.api.openapi import build_openapi
from hub.api.routes import endpoints

DOC_URI = "urn:hub:openapi"


def served_operations() -> set[tuple[str, str]]:
    """Every (path, method) the application's router serves, however it was added."""
    app = create_app(ApiDeps(bus=None, queries=None, submissions=None))  # type: ignore[arg-type]
    return {(r.resource.canonical, r.method.lower()) for r in app.router.routes()
            if r.method != "HEAD" and r.resource is not None}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_openapi(endpoints(), "https://hub.example.cn")


def validator_for(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema inside the document, its `#/components/...` refs resolved."""
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
    if "$ref" in schema:
        schema = {"$ref": DOC_URI + schema["$ref"]}
    return Draft202012Validator(schema, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def media(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, media type, media object) for every request and response body."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            bodies = [("request", op.get("requestBody", {}))]
            bodies += [(code, r) for code, r in op["responses"].items()]
            for label, body in bodies:
                if "$ref" in body:
                    body = doc["components"]["responses"][body["$ref"].rsplit("/", 1)[-1]]
                for mtype, m in body.get("content", {}).items():
                    yield f"{method.upper()} {path} {label}", mtype, m


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate_spec(doc)


def test_servers_come_from_the_argument() -> None:
    assert build_openapi(endpoints(), "https://hub.example.cn/")["servers"] == [
        {"url": "https://hub.example.cn"}]
    assert "servers" not in build_openapi(endpoints())


def test_every_operation_is_documented(doc: dict[str, Any]) -> None:
    documented = {(p, m) for p, item in doc["paths"].items() for m in item}
    served = served_operations()
    assert documented == served
    assert ("/api/v1/confirmations/{id}/authorization", "post") in served
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_submitting_documents_idempotency_and_every_outcome(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/confirmations"]["post"]
    params = [doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]]
              for p in op["parameters"]]
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= params[0].items()
    assert {"200", "201", "409", "413", "415", "422"} <= set(op["responses"])
    examples = op["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"bank_format1", "bank_format2", "bank_capital",
                             "company_receivable", "company_payable"}


def test_listing_confirmations_takes_its_filters(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/confirmations"]["get"]
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in op["parameters"]}
    assert names == {"engagement_id", "status", "Limit", "Cursor"}


def test_every_error_response_is_problem_json(doc: dict[str, Any]) -> None:
    checked = 0
    for where, mtype, m in media(doc):
        code = where.rsplit(" ", 1)[-1]
        if code == "default" or (code.isdigit() and int(code) >= 400 and "/readyz" not in where):
            assert mtype == "application/problem+json", where
            assert m["schema"] == {"$ref": "#/components/schemas/problem"}, where
            checked += 1
    assert checked > 30


def test_api_keys_are_the_security_scheme(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKeyBearer"]["scheme"] == "bearer"
    assert "X-API-Key" in schemes["ApiKeyBearer"]["description"]
    assert schemes["ApiKeyHeader"] == {**schemes["ApiKeyHeader"], "in": "header",
                                       "name": "X-API-Key"}
    for path in ("/healthz", "/readyz", "/api/v1/openapi.json"):
        assert doc["paths"][path]["get"]["security"] == []


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_every_ref_points_inside_the_document(doc: dict[str, Any]) -> None:
    resolver = Registry().with_resource(
        DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    ).resolver(DOC_URI)
    refs = set(_refs(doc))
    assert refs and all(r.startswith("#/components/") for r in refs)
    for ref in refs:
        resolver.lookup(ref)  # raises if it leads nowhere
    assert not any("$id" in s for s in doc["components"]["schemas"].values())


def test_every_example_in_the_document_validates(doc: dict[str, Any]) -> None:
    checked = 0
    for where, _, m in media(doc):
        values = [m["example"]] if "example" in m else []
        values += [e["value"] for e in m.get("examples", {}).values()]
        validator = validator_for(doc, m["schema"])
        for value in values:
            errors = list(validator.iter_errors(value))
            assert not errors, f"{where}: {errors[0].message}"
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("name", [n for n in schemas.names() if n != "common"])
def test_each_schema_example_validates_against_its_component(doc: dict[str, Any],
                                                             name: str) -> None:
    validator = validator_for(doc, {"$ref": f"#/components/schemas/{name}"})
    validator.validate(schemas.example(name))


def test_a_component_still_refuses_what_the_schema_refuses(doc: dict[str, Any]) -> None:
    body = schemas.example("confirmation_request.bank_format1")
    body["letter"]["items"]["deposits"]["rows"][0]["balance"] = 1.5
    validator = validator_for(doc, {"$ref": "#/components/schemas/confirmation_request"})
    paths = ["/".join(map(str, e.absolute_path)) for e in validator.iter_errors(body)]
    assert "letter/items/deposits/rows/0/balance" in paths


async def _nothing(request: web.Request) -> web.Response:
    return web.Response()


def test_the_same_route_declared_twice_is_refused() -> None:
    api = Endpoints(tag="meta")
    api.get("/api/v1/twice", "first", "One")(_nothing)
    api.get("/api/v1/twice", "second", "The same again")(_nothing)
    with pytest.raises(ValueError, match="GET /api/v1/twice is declared twice"):
        build_openapi(api)


def test_a_body_brings_its_problems_and_a_public_path_none_of_the_callers() -> None:
    api = Endpoints(tag="meta")
    api.post("/api/v1/things", "makeThing", "Make", body=Body("cancel_request"),
             replies=(Reply("201", "Made.", "cancel_request"),), problems=("409",))(_nothing)
    api.get("/healthz", "probe", "Probe", replies=(Reply("204", "Alive."),))(_nothing)
    doc = build_openapi(api)
    made = doc["paths"]["/api/v1/things"]["post"]
    assert set(made["responses"]) == {"201", "401", "404", "409", "413", "415", "422",
                                      "default"}
    assert made["x-roles"] == []  # the access table does not name it: nobody may call it
    probe = doc["paths"]["/healthz"]["get"]
    assert set(probe["responses"]) == {"204", "422", "default"}
    assert probe["security"] == [] and "x-roles" not in probe

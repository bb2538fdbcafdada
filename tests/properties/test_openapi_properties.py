"""Every operation the served OpenAPI document lists, driven by schemathesis with the API key
of every role, on SQLite and PostgreSQL: no 5xx, and every response is one the document
describes (status, content type, body schema). Objects are seeded so that ids exist."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Hub, make_firm, start_hub

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.errors import UnsupportedSchema  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("HUB_PROPERTY_EXAMPLES", "8"))
"""Examples per operation and role: bounds the run (a few minutes per database)."""
ROLES = ("admin", "firm_admin", "auditor", "client_signer", "bank_operator")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MULTIPART = {"POST /api/v1/inbox/{id}/reply"}
"""Operations whose multipart bodies schemathesis cannot generate (tests/e2e covers them)."""
T = TypeVar("T")


@dataclass
class Served:
    """A hub running on its own event loop in a thread, so schemathesis (sync) can call it."""

    loop: asyncio.AbstractEventLoop
    hub: Hub | None = None
    keys: dict[str, str] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=300)


async def _seed(served: Served, db_url: str, tmp_path: Any) -> None:
    hub = await start_hub(db_url, "embedded://", tmp_path, letter_signing="off")
    served.hub = hub
    firm = await make_firm(hub)
    operator, _ = await hub.org("operator")
    served.keys = {
        "admin": await hub.key(operator, "admin"),
        "firm_admin": await hub.key(firm.org_id, "firm_admin"),
        "auditor": firm.key,
        "client_signer": await hub.key(firm.counterparty[0], "client_signer"),
        "bank_operator": await hub.key(firm.bank[0], "bank_operator"),
    }
    served.ids = [firm.engagement_id, firm.bank[0], firm.counterparty[0]]
    async with hub.client(firm.key) as http:
        for letter_type in ("bank_format1", "company_receivable"):
            resp = await http.post("/api/v1/confirmations", json=firm.letter(letter_type))
            assert resp.status == 201, await resp.text()
            served.ids.append((await resp.json())["id"])
    async with hub.client(served.keys["admin"]) as http:
        found = await (await http.get("/api/v1/responders")).json()
        served.ids += [r["id"] for r in found.get("items", [])][:4]


@pytest.fixture
def served(db_url: str, tmp_path: Any) -> Iterator[Served]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    served = Served(loop)
    try:
        served.run(_seed(served, db_url, tmp_path))
        yield served
    finally:
        if served.hub is not None:
            served.run(served.hub.runtime.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


def _explain(error: BaseException) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else repr(error)


@dataclass
class Run:
    """What the drive over the operations found."""

    base: str
    ids: list[str]
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    unsupported: set[str] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)


def _drive(run: Run, operation: Any, role: str, key: str) -> None:
    """EXAMPLES generated requests to one operation as one role; the first failure kept."""
    headers = {"Authorization": f"Bearer {key}"}
    where = (operation.label, role)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), known=st.sampled_from([None, *run.ids]))
    def check(case: Any, known: str | None) -> None:
        if where in run.failures:
            return
        if known is not None and "id" in (case.path_parameters or {}):
            case.path_parameters["id"] = known  # a seeded object, so the happy path is run
        try:
            response = case.call(base_url=run.base, headers=headers, timeout=60)
            run.statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as error:  # every failure is reported at the end
            run.failures[where] = f"{case.method} {case.formatted_path}: {_explain(error)}"

    check()


def test_every_operation_answers_as_documented_for_every_role(served: Served) -> None:
    assert served.hub is not None
    run = Run(served.hub.base, served.ids)
    schema = schemathesis.openapi.from_url(f"{run.base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the whole API, whatever the document lists
    for operation in operations:
        for role in ROLES:
            try:
                _drive(run, operation, role, served.keys[role])
            except UnsupportedSchema:  # multipart bodies: schemathesis cannot make them
                run.unsupported.add(operation.label)
                break
    assert len(run.statuses) >= len(operations) * len(ROLES)
    assert {200, 201, 404, 422} <= set(run.statuses), sorted(set(run.statuses))
    assert run.unsupported <= MULTIPART, run.unsupported - MULTIPART
    assert not run.failures, "\n".join(f"{op} as {role}: {why}"
                                       for (op, role), why in sorted(run.failures.items()))

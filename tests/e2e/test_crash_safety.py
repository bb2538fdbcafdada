"""Crash safety: processes killed with SIGKILL part-way lose nothing and apply nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hub.bootstrap import Container, build
from hub.cli.seeding import verified_responder
from hub.db.migrate import migrate
from hub.domain.commands import (
    CreateApiKey,
    CreateEngagement,
    CreateOrganisation,
    SubmitConfirmation,
)
from hub.domain.model import Caller, OrgKind, Role
from hub.infra.settings import load_settings
from tests.e2e.conftest import new_uscc

pytestmark = pytest.mark.slow

N = 1000


class Processes:
    """Hub processes started as real OS processes, always reaped at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env}
        self.running: list[subprocess.Popen[bytes]] = []
        self.logs = logs

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        # Logs go to a file: a pipe nobody reads would stop the process once it is full.
        log = (self.logs / f"{args[0]}-{len(self.running)}.log").open("ab")
        p = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", *args], env=self.env,
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()
        self.running.append(p)
        return p

    def stop(self, p: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
        p.send_signal(sig)
        try:
            return p.wait(timeout=60)
        finally:
            self.running.remove(p)

    def reap(self) -> None:
        for p in self.running:
            p.kill()
            p.wait()


@pytest.fixture
def processes_env(stack: tuple[str, str], tmp_path: Any) -> Iterator[Processes]:
    db_url, broker_url = stack
    procs = Processes({
        "HUB_DATABASE_URL": db_url, "HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": str(tmp_path),
        "HUB_RELAY_BATCH_SIZE": "25", "HUB_RELAY_LEASE_SECONDS": "2",
        "HUB_RELAY_POLL_SECONDS": "0.05", "HUB_LOG_LEVEL": "warning", "HUB_LOG_FORMAT": "json",
        "HUB_API_PORT": "0",
    }, tmp_path)
    try:
        yield procs
    finally:
        procs.reap()


async def seed(container: Container, n: int) -> None:
    """A firm with n submitted confirmations: n outbox rows waiting for the relay."""
    bus = container.bus
    firm = await bus.handle(CreateOrganisation(kind="firm", name="信达会计师事务所",
                                               uscc=new_uscc()))
    await bus.handle(CreateApiKey(org_id=firm.id, role="auditor"))
    caller = Caller(org_id=firm.id, org_kind=OrgKind.FIRM, role=Role.AUDITOR)
    import schemas

    bank_uscc = new_uscc()
    await verified_responder(container, kind="bank", name="示范银行", uscc=bank_uscc)
    from datetime import date

    engagement = await bus.handle(CreateEngagement(
        caller=caller, name="崩溃测试", client_name="被审计单位", client_uscc=new_uscc(),
        period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
    ))
    template = schemas.example("confirmation_request.bank_format1")["letter"]
    for i in range(n):
        letter = {**template, "letter_number": f"CRASH-{i:05d}",
                  "responder": {**template["responder"], "uscc": bank_uscc}}
        await bus.handle(SubmitConfirmation(
            caller=caller, engagement_id=engagement.id, letter_type="bank_format1",
            letter=letter, request_hash=f"h{i}", scope=f"s{i}",
        ))


async def scalar(container: Container, sql: str) -> int:
    async with container.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def wait_until(container: Container, sql: str, predicate: Any, within: float) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await scalar(container, sql)
        if predicate(value) or loop.time() > deadline:
            return value
        await asyncio.sleep(0.02)


PUBLISHED = "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"
AWAITING = "SELECT count(*) FROM confirmations WHERE status = 'awaiting_authorisation'"


async def test_relay_killed_midway_loses_and_duplicates_nothing(
    stack: tuple[str, str], processes_env: Processes
) -> None:
    db_url, broker_url = stack
    settings = load_settings(env={}, database_url=db_url, broker_url=broker_url)
    await migrate(db_url)
    container = build(settings)
    try:
        await seed(container, N)
        assert await scalar(container, PUBLISHED) == 0
        embedded = broker_url.startswith("embedded")
        # On the embedded broker relay and worker live in one process (hub serve).
        first = processes_env.start("serve" if embedded else "relay")
        worker = None if embedded else processes_env.start("worker")
        published = await wait_until(container, PUBLISHED, lambda v: v >= N // 10, 120)
        assert published < N, "the relay finished before it could be killed; raise N"
        assert processes_env.stop(first, signal.SIGKILL) == -signal.SIGKILL
        killed_at = await scalar(container, PUBLISHED)
        second = processes_env.start("serve" if embedded else "relay")
        done = await wait_until(container, AWAITING, lambda v: v >= N, 300)
        assert done == N, f"only {done} of {N} confirmations were applied"
        assert await wait_until(container, PUBLISHED, lambda v: v >= 2 * N, 60) >= 2 * N
        # Exactly once: one transition per confirmation, no more, none missing.
        per_confirmation = await scalar(container, """
            SELECT count(*) FROM (
              SELECT aggregate_id FROM event_log
              WHERE event_type = 'confirmation.status_changed'
              GROUP BY aggregate_id HAVING count(*) <> 1) AS odd""")
        assert per_confirmation == 0
        transitions = await scalar(
            container,
            "SELECT count(*) FROM event_log WHERE event_type = 'confirmation.status_changed'",
        )
        assert transitions == N
        assert await scalar(container, "SELECT count(*) FROM parked_messages") == 0
        # SIGTERM: finish in-flight work and exit 0.
        assert processes_env.stop(second) == 0
        if worker is not None:
            assert processes_env.stop(worker) == 0
        assert killed_at < 2 * N
    finally:
        await container.close()


@pytest.fixture
def pg_rabbit_env(pg_url: str, amqp_url: str, tmp_path: Any) -> Iterator[Processes]:
    procs = Processes({
        "HUB_DATABASE_URL": pg_url, "HUB_BROKER_URL": amqp_url, "HUB_DATA_DIR": str(tmp_path),
        "HUB_RELAY_BATCH_SIZE": "25", "HUB_RELAY_POLL_SECONDS": "0.05",
        "HUB_LOG_LEVEL": "warning", "HUB_LOG_FORMAT": "json", "HUB_API_PORT": "0",
        "HUB_RETRY_BASE_SECONDS": "0.2",
    }, tmp_path)
    try:
        yield procs
    finally:
        procs.reap()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


async def test_rabbitmq_restart_midway_loses_nothing(
    pg_url: str, amqp_url: str, pg_rabbit_env: Processes
) -> None:
    settings = load_settings(env={}, database_url=pg_url, broker_url=amqp_url)
    await migrate(pg_url)
    container = build(settings)
    try:
        await seed(container, N)
        relay = pg_rabbit_env.start("relay")
        worker = pg_rabbit_env.start("worker")
        await wait_until(container, AWAITING, lambda v: v >= N // 10, 120)
        try:
            _rabbitmqctl("stop_app")
            await asyncio.sleep(3)
        finally:
            _rabbitmqctl("start_app")
            _rabbitmqctl("await_startup")
        assert relay.poll() is None and worker.poll() is None, "a process died with the broker"
        done = await wait_until(container, AWAITING, lambda v: v >= N, 300)
        assert done == N, f"only {done} of {N} confirmations were applied after the restart"
        transitions = await scalar(
            container,
            "SELECT count(*) FROM event_log WHERE event_type = 'confirmation.status_changed'",
        )
        assert transitions == N
        assert await scalar(container, "SELECT count(*) FROM parked_messages") == 0
        assert pg_rabbit_env.stop(relay) == 0
        assert pg_rabbit_env.stop(worker) == 0
    finally:
        await container.close()

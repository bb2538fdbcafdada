"""Submit benchmark: HTTP accepts/s at concurrency 50 and outbox rows relayed/s, on both stacks.

Each figure is printed beside what the slower of the hub's raw parts allows, measured in the
same run: pipelined aio-pika publishes with confirms, and single-row PostgreSQL commits on one
connection (for SQLite, single-row commits on the same file). The ratio is the figure that
matters. The accept rate is also printed beside a bare endpoint (bench/bare_accept.py: aiohttp
reading the same bodies and committing each as one row, with as many processes).
Run: .venv/bin/python bench/submit.py [--requests 3000] [--stack sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

import schemas
from hub.bootstrap import build
from hub.cli.seeding import verified_responder
from hub.db.migrate import migrate
from hub.domain.commands import CreateApiKey, CreateEngagement, CreateOrganisation
from hub.domain.model import Caller, OrgKind, Role
from hub.domain.uscc import make_uscc
from hub.infra.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class Row:
    stack: str
    figure: str
    rate: float
    reference: str
    reference_rate: float

    @property
    def ratio(self) -> float:
        return self.rate / self.reference_rate if self.reference_rate else float("nan")


def uscc() -> str:
    import random

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return make_uscc("91310000" + "".join(random.choice(alphabet) for _ in range(9)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ raw parts


async def raw_publish_rate(n: int) -> float:
    """Pipelined persistent publishes with confirms to a durable queue (aio-pika, no hub)."""
    import aio_pika

    conn = await aio_pika.connect_robust(AMQP)
    try:
        channel = await conn.channel(publisher_confirms=True)
        queue = await channel.declare_queue(f"bench.raw.{uuid.uuid4().hex}", durable=True)
        body = b"x" * 600
        start = time.perf_counter()
        window = 500
        for i in range(0, n, window):
            await asyncio.gather(*(
                channel.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                     message_id=str(j)),
                    routing_key=queue.name,
                ) for j in range(i, min(n, i + window))
            ))
        elapsed = time.perf_counter() - start
        await queue.delete(if_unused=False, if_empty=False)
        return n / elapsed
    finally:
        await conn.close()


async def raw_commit_rate(db_url: str, n: int) -> float:
    """Single-row INSERT + COMMIT on one connection (the database's own commit rate)."""
    from sqlalchemy import text

    from hub.db.engine import create_engine

    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, v TEXT)"))
        async with engine.connect() as conn:
            start = time.perf_counter()
            for i in range(n):
                await conn.execute(text("INSERT INTO bench_raw VALUES (:i, 'x')"), {"i": i})
                await conn.commit()
            elapsed = time.perf_counter() - start
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE bench_raw"))
        return n / elapsed
    finally:
        await engine.dispose()


# ------------------------------------------------------------------ the hub


async def seed(db_url: str, broker_url: str) -> tuple[str, str, str]:
    """Return (auditor key, engagement id, bank USCC)."""
    key, engagement, bank, _ = await seed_with_signer(db_url, broker_url)
    return key, engagement, bank


async def seed_with_signer(db_url: str, broker_url: str) -> tuple[str, str, str, str]:
    """Migrate and seed a firm, a bank and an engagement; return (auditor key, engagement id,
    bank USCC, a client_signer key of the audited entity)."""
    await migrate(db_url)
    container = build(load_settings(env={}, database_url=db_url, broker_url=broker_url))
    try:
        bus = container.bus
        firm = await bus.handle(CreateOrganisation(kind="firm", name="基准测试事务所",
                                                   uscc=uscc()))
        _, key = await bus.handle(CreateApiKey(org_id=firm.id, role="auditor"))
        bank = uscc()
        await verified_responder(container, kind="bank", name="基准测试银行", uscc=bank)
        from datetime import date

        engagement = await bus.handle(CreateEngagement(
            caller=Caller(org_id=firm.id, org_kind=OrgKind.FIRM, role=Role.AUDITOR),
            name="基准测试", client_name="北京堃喆昇科技有限公司", client_uscc=uscc(),
            period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        ))
        _, signer = await bus.handle(
            CreateApiKey(org_id=engagement.client_org_id, role="client_signer"))
        return key, engagement.id, bank, signer
    finally:
        await container.close()


def start(role: str, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli", role, *extra], cwd=ROOT,
        env={**os.environ, **env, "HUB_LOG_LEVEL": "warning", "HUB_LOG_FORMAT": "json"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(p: subprocess.Popen[bytes]) -> None:
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


async def wait_http(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"{base}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the API did not come up")


async def accept_rate(base: str, key: str, engagement: str, bank: str, n: int,
                      path: str = "/api/v1/confirmations") -> float:
    template = schemas.example("confirmation_request.bank_format1")
    run = uuid.uuid4().hex[:8]
    bodies = []
    for i in range(n):
        body = {**template, "engagement_id": engagement, "scope": f"{run}-{i}"}
        body["letter"] = {**template["letter"], "letter_number": f"B-{run}-{i}",
                          "responder": {**template["letter"]["responder"], "uscc": bank}}
        bodies.append(body)
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    failures = 0
    connector = aiohttp.TCPConnector(limit=50)
    async with aiohttp.ClientSession(
        base, headers={"Authorization": f"Bearer {key}"}, connector=connector
    ) as http:

        async def client() -> None:
            nonlocal failures
            while not queue.empty():
                body = queue.get_nowait()
                async with http.post(path, json=body) as r:
                    await r.read()
                    if r.status != 201:
                        failures += 1

        start_t = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(50)))
        elapsed = time.perf_counter() - start_t
    if failures:
        raise RuntimeError(f"{failures} of {n} submissions failed")
    return n / elapsed


async def relay_rate(db_url: str, env: dict[str, str], roles: str) -> float:
    """Start the relay on the rows the accept run left; rows marked published per second.

    The clock starts at the first row marked published, so the process's start-up (imports,
    connecting) is not counted; rows the run itself adds (status changes) count as relayed.
    """
    from sqlalchemy import text

    from hub.db.engine import create_engine

    engine = create_engine(db_url)
    pending_sql = text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    done_sql = text("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")

    async def count(sql: Any) -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(sql)).scalar_one())

    try:
        before = await count(done_sql)
        p = start(roles, {**env, "HUB_API_PORT": str(free_port())})
        try:
            while True:  # polling the database is the measurement itself
                first = await count(done_sql)
                if first != before:
                    break
                await asyncio.sleep(0.002)
            start_t = time.perf_counter()
            while True:
                if not await count(pending_sql):
                    break
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - start_t
            relayed = await count(done_sql) - first
        finally:
            stop(p)
        return relayed / elapsed
    finally:
        await engine.dispose()


async def run_stack(name: str, db_url: str, broker_url: str, n: int, raw_pub: float,
                    tmp: str, api_processes: int) -> list[Row]:
    key, engagement, bank = await seed(db_url, broker_url)
    env = {"HUB_DATABASE_URL": db_url, "HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": tmp}
    port = free_port()
    apis = [start("api", env, "--port", str(port), "--reuse-port") for _ in range(api_processes)]
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_http(base)
        await asyncio.sleep(0.5 * (api_processes - 1))  # the others are up too
        await accept_rate(base, key, engagement, bank, min(200, n))  # warm-up
        accepted = await accept_rate(base, key, engagement, bank, n)
    finally:
        for api in apis:
            stop(api)
    bare = await bare_accept_rate(db_url, n, api_processes, key, engagement, bank)
    # The embedded broker lives inside `hub serve`, so there the relay includes consuming (and
    # the scheduler's event-log sealer); on RabbitMQ `hub relay` relays and nothing else.
    relayed = await relay_rate(db_url, env, "serve" if name.startswith("sqlite") else "relay")
    commit = await raw_commit_rate(db_url, 2000)
    slower = min(commit, raw_pub)
    return [
        Row(name, f"accepted/s via HTTP (c=50, {api_processes} api)", accepted,
            f"min(raw commit {commit:.0f}/s, raw publish {raw_pub:.0f}/s)", slower),
        Row(name, "  the same, beside a bare endpoint", accepted,
            f"aiohttp + a 1-row commit, {api_processes} proc: {bare:.0f}/s", bare),
        Row(name, "outbox rows relayed/s", relayed, f"raw publish {raw_pub:.0f}/s", raw_pub),
    ]


async def bare_accept_rate(db_url: str, n: int, processes: int, key: str, engagement: str,
                           bank: str) -> float:
    """Accepts/s of bench.bare_accept (the same bodies, concurrency and process count)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(processes):  # one after the other: the first creates the table
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "bench.bare_accept", "--database-url", db_url, "--port",
                 str(port), "--reuse-port"], cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
            await wait_http(base)
        await asyncio.sleep(0.5)
        await accept_rate(base, key, engagement, bank, min(200, n), path="/accept")
        return await accept_rate(base, key, engagement, bank, n, path="/accept")
    finally:
        for server in servers:
            stop(server)


async def create_pg_db() -> str:
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name


async def drop_pg_db(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--stack", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--api-processes", type=int, default=os.cpu_count() or 1,
        help="`hub api --reuse-port` processes on PostgreSQL (SQLite: always 1, one writer)",
    )
    args = parser.parse_args()
    raw_pub = await raw_publish_rate(10_000)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.stack in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            rows += await run_stack("sqlite+embedded", url, "embedded://", args.requests,
                                    raw_pub, tmp, 1)
        if args.stack in ("postgres", "both"):
            name = await create_pg_db()
            vhost = f"bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True)
            subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest",
                            ".*", ".*", ".*"], check=True)
            try:
                rows += await run_stack(
                    "postgres+rabbitmq", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
                    f"amqp://guest:guest@127.0.0.1:5672/{vhost}", args.requests, raw_pub, tmp,
                    args.api_processes,
                )
            finally:
                await drop_pg_db(name)
                subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False)
    print(f"\nbench/submit.py — {args.requests} confirmations, {os.cpu_count()} cores\n")
    print(f"{'stack':<20}{'figure':<38}{'rate/s':>8}  {'ratio':>6}  reference")
    for r in rows:
        print(f"{r.stack:<20}{r.figure:<38}{r.rate:>8.0f}  {r.ratio:>6.2f}  {r.reference}")


if __name__ == "__main__":
    asyncio.run(main())

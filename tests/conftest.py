"""Shared fixtures: a fresh PostgreSQL database, RabbitMQ vhost or SQLite file per test."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN_DSN = os.environ.get("HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("HUB_TEST_AMQP_HOST", "127.0.0.1")
AMQP_PORT = int(os.environ.get("HUB_TEST_AMQP_PORT", "5672"))
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unique(prefix: str = "t") -> str:
    """A short unique reference so tests never collide."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _need_service(name: str, host: str, port: int) -> None:
    if _port_open(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if UNDER_CI:
        pytest.fail(message + " (CI must have it up)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty PostgreSQL database made for this test and dropped after it."""
    _need_service("PostgreSQL", "127.0.0.1", 5432)
    import asyncpg

    name = unique("hubtest")

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/hub.db"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A RabbitMQ vhost of its own, deleted after the test."""
    _need_service("RabbitMQ", AMQP_HOST, AMQP_PORT)
    vhost = unique("hubtest")
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{AMQP_HOST}:{AMQP_PORT}/{vhost}"
    finally:
        subprocess.run(
            ["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60
        )


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker_url(request) -> str:
    """Each test using this runs on the embedded broker and on RabbitMQ."""
    if request.param == "embedded":
        return "embedded://"
    return request.getfixturevalue("amqp_url")


@pytest.fixture(params=["sqlite+embedded", "postgres+rabbitmq"])
def stack(request) -> tuple[str, str]:
    """(database URL, broker URL) for the two supported deployments."""
    if request.param == "sqlite+embedded":
        return request.getfixturevalue("sqlite_url"), "embedded://"
    return request.getfixturevalue("pg_url"), request.getfixturevalue("amqp_url")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

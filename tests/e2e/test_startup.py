"""A worker started while RabbitMQ is not up yet waits for it, then works."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from hub.db.migrate import migrate
from tests.conftest import free_port


async def _forward(port: int, target: tuple[str, int]) -> asyncio.Server:
    """A TCP forwarder to the real broker: the 'broker' appears when this starts."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*target)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def test_a_worker_waits_for_a_broker_that_is_not_up_yet(
        pg_url: str, amqp_url: str, tmp_path: Path) -> None:
    await migrate(pg_url)
    port = free_port()
    vhost = amqp_url.rsplit("/", 1)[1]
    env = {**os.environ, "HUB_DATABASE_URL": pg_url, "HUB_DATA_DIR": str(tmp_path),
           "HUB_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{port}/{vhost}",
           "HUB_LOG_FORMAT": "json", "HUB_LOG_LEVEL": "info"}
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    server = None
    try:
        await asyncio.sleep(3)
        assert worker.poll() is None, log.read_text()  # still waiting, not exited
        assert "broker_unavailable_at_start" in log.read_text()
        server = await _forward(port, ("127.0.0.1", 5672))
        for _ in range(200):
            if "hub_started" in log.read_text():
                break
            await asyncio.sleep(0.1)
        assert "hub_started" in log.read_text(), log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, 60)
        if server is not None:
            server.close()
    assert code == 0, log.read_text()[-2000:]

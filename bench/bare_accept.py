"""A bare accept endpoint, the floor bench/submit.py compares the hub's with: aiohttp reads the
JSON body and one transaction inserts it as one row, through the hub's own engine (SQLAlchemy
with asyncpg, or the SQLite driver with its write queue). No schema check, no auth, no outbox.

Run by bench/submit.py: python -m bench.bare_accept --database-url URL --port N [--reuse-port]
"""

from __future__ import annotations

import argparse
import json
import uuid

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.engine import begin_write, create_engine

TABLE = "bench_bare"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR(36) PRIMARY KEY, body TEXT NOT NULL)"
_INSERT = text(f"INSERT INTO {TABLE} (id, body) VALUES (:id, :body)")
ENGINE = web.AppKey("engine", AsyncEngine)


async def accept(request: web.Request) -> web.Response:
    body = await request.json()
    row_id = str(uuid.uuid4())
    async with begin_write(request.app[ENGINE]) as conn:
        await conn.execute(_INSERT, {"id": row_id, "body": json.dumps(body, ensure_ascii=False)})
    return web.json_response({"id": row_id}, status=201)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def app(database_url: str) -> web.Application:
    application = web.Application(client_max_size=4 * 1024 * 1024)

    async def engine_ctx(a: web.Application):  # type: ignore[no-untyped-def]
        a[ENGINE] = create_engine(database_url)
        async with begin_write(a[ENGINE]) as conn:
            await conn.execute(text(CREATE))
        yield
        await a[ENGINE].dispose()

    application.cleanup_ctx.append(engine_ctx)
    application.router.add_post("/accept", accept)
    application.router.add_get("/healthz", healthz)
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reuse-port", action="store_true")
    args = parser.parse_args()
    web.run_app(app(args.database_url), host="127.0.0.1", port=args.port,
                reuse_port=args.reuse_port, print=None, access_log=None)


if __name__ == "__main__":
    main()

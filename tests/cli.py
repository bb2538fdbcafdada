"""Runs the `hub` command as an operator would, without blocking the tests' event loop.

A hub started in-process by a test shares that loop: a blocking `subprocess.run` would freeze
it, possibly in the middle of a write transaction, and the command would then wait on the
database lock the frozen hub can never release (SQLite's "database is locked").
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any


async def hub_cli(db_url: str, *args: str, tmp_path: Any, stdin: str = ""
                  ) -> subprocess.CompletedProcess[str]:
    """`python -m hub.cli ARGS` against DB_URL, its output captured as text."""
    env = {**os.environ, "HUB_DATABASE_URL": db_url, "HUB_DATA_DIR": str(tmp_path),
           "HUB_LOG_LEVEL": "warning"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", *args, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        async with asyncio.timeout(120):
            out, err = await process.communicate(stdin.encode())
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return subprocess.CompletedProcess([sys.executable, "-m", "hub.cli", *args],
                                       process.returncode, out.decode(), err.decode())

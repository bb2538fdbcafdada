"""``signing`` is a leaf library: importing it pulls in nothing of the hub."""

from __future__ import annotations

import subprocess
import sys


def test_signing_imports_no_hub_adapters_or_schemas() -> None:
    code = (
        "import sys, signing\n"
        "core = {'hub', 'adapters', 'schemas'}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in core)\n"
        "print(','.join(bad))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == ""

"""Every `hub` command starts without loading what only some commands need."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_command_line_loads_no_pdf_signing_or_database_library() -> None:
    # The bank simulator's subcommand comes in through an entry point on every command;
    # its signer (pyHanko) and service used to be imported with it: a second per command.
    script = ("import sys, hub.cli.command; hub.cli.command.build_parser(); "
              "print(' '.join(m for m in ('pyhanko', 'fpdf', 'sqlalchemy', 'aio_pika') "
              "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []


def test_the_bank_simulator_package_still_offers_every_name() -> None:
    import adapters.bank_sim.answer
    import adapters.bank_sim.conformity  # modules named like functions the package offers

    for name in adapters.bank_sim.__all__:
        assert getattr(adapters.bank_sim, name) is not None
    assert callable(adapters.bank_sim.answer) and callable(adapters.bank_sim.conformity)

"""`hub bank-sim`: run the reference bank against a hub, or print its signing certificate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from adapters.bank_sim.ledger import EXAMPLE_LEDGER
from hub.domain.errors import HubError

if TYPE_CHECKING:
    from adapters.bank_sim.service import BankSimSettings

# The bank's service and signer (pyHanko, the PKI) are imported when `hub bank-sim` runs, not
# when `hub` builds its parser: every hub command loads this module for its subcommand.

__all__ = ["add_command", "run"]

API_KEY_ENV = "HUB_BANK_SIM_API_KEY"
PUSH_SECRET_ENV = "HUB_BANK_SIM_PUSH_SECRET"


def _hub_data_dir(args: argparse.Namespace) -> Path:
    """The hub's data directory: `hub --data-dir`, else HUB_DATA_DIR, else ./var."""
    return Path(getattr(args, "data_dir", None) or os.environ.get("HUB_DATA_DIR") or "var")


def add_command(subparsers: Any) -> None:
    """Register `bank-sim` on the `hub` command's subparsers (entry point hub.commands)."""
    p = subparsers.add_parser(
        "bank-sim", help="run the reference bank: it returns or answers the letters of its inbox",
        description="The reference bank (参考银行): lists its inbox at the hub, returns "
                    "non-conforming letters (退函) and uploads signed replies (回函); the hub "
                    "may also push letters to POST /letters.")
    p.add_argument("--hub-url", default="http://127.0.0.1:8080", help="the hub's base URL")
    p.add_argument("--api-key", help=f"the bank_operator's hub API key ({API_KEY_ENV})")
    p.add_argument("--ledger", type=Path, default=EXAMPLE_LEDGER,
                   help="the bank's ledger (JSON; default: the example ledger)")
    p.add_argument("--pki-dir", type=Path,
                   help="the hub's development PKI (default: <hub data dir>/pki)")
    p.add_argument("--alias", help="the bank's alias in the PKI (default: bank-sim)")
    p.add_argument("--data-dir", dest="bank_data_dir", type=Path,
                   help="the bank's own files (default: <hub data dir>/bank-sim)")
    p.add_argument("--host", default="127.0.0.1", help="where to listen for pushed letters")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--poll-seconds", type=float, default=5.0,
                   help="how often to list the inbox")
    p.add_argument("--push-secret", help=f"the HMAC key of pushed letters ({PUSH_SECRET_ENV})")
    p.add_argument("--print-certificate", action="store_true",
                   help="print the bank's signing certificate (PEM), to register it, and exit")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace, api_key: str) -> BankSimSettings:
    from adapters.bank_sim.service import BankSimSettings

    hub_dir = _hub_data_dir(args)
    return BankSimSettings(
        hub_url=args.hub_url, api_key=api_key, pki_dir=args.pki_dir or hub_dir / "pki",
        data_dir=args.bank_data_dir or hub_dir / "bank-sim", ledger=args.ledger,
        signer_alias=_alias(args), host=args.host, port=args.port,
        poll_seconds=args.poll_seconds,
        push_secret=args.push_secret or os.environ.get(PUSH_SECRET_ENV) or None,
    )


def _configure_logging() -> None:
    """Log lines to stderr (JSON unless on a terminal): stdout carries only the certificate."""
    renderer: Any = (structlog.dev.ConsoleRenderer() if sys.stderr.isatty()
                     else structlog.processors.JSONRenderer(ensure_ascii=False))
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.format_exc_info, renderer],
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        # HUB_LOG_LEVEL, as the hub's own processes take it (info by default).
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(
                os.environ.get("HUB_LOG_LEVEL", "info").upper(), logging.INFO)),
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
    # pyHanko warns, with tracebacks, about validation data it is not asked to fetch.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)


def _alias(args: argparse.Namespace) -> str:
    from adapters.bank_sim.signer import DEFAULT_ALIAS

    return str(args.alias or DEFAULT_ALIAS)


def run(args: argparse.Namespace) -> int:
    """Print the certificate, or serve until SIGTERM or SIGINT (then exit 0)."""
    from adapters.bank_sim.ledger import Ledger
    from adapters.bank_sim.signer import BankSigner
    from adapters.bank_sim.worker import StateCorrupt
    from signing import SigningError

    _configure_logging()
    try:
        if args.print_certificate:
            ledger = Ledger.load(args.ledger)
            pki_dir = args.pki_dir or _hub_data_dir(args) / "pki"
            signer = BankSigner.from_pki(pki_dir, _alias(args), bank_name=ledger.bank.name,
                                         bank_uscc=ledger.bank.uscc)
            sys.stdout.write(signer.certificate_pem)
            return 0
        api_key = args.api_key or os.environ.get(API_KEY_ENV)
        if not api_key:
            print(f"error (api_key): give the bank's hub API key (--api-key or {API_KEY_ENV})",
                  file=sys.stderr)
            return 2
        asyncio.run(serve(_settings(args, api_key)))
    except (SigningError, StateCorrupt, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except HubError as e:
        where = f" ({e.field})" if e.field else ""
        print(f"error{where}: {e.message}", file=sys.stderr)
        return 2
    return 0


async def serve(settings: BankSimSettings) -> None:
    """Run the bank's app on settings.host:port until SIGTERM or SIGINT, then stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    from adapters.bank_sim.service import create_bank_app

    runner = web.AppRunner(create_bank_app(settings), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
        print(f"reference bank listening on http://{settings.host}:{settings.port}",
              file=sys.stderr)
        await stop.wait()
    finally:
        await runner.cleanup()

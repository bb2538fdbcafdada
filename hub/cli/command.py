"""The `hub` command: run processes, migrate, manage organisations and keys, verify the log."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from importlib.metadata import entry_points
from typing import Any, TypeVar

from hub.cli import registry as cli_registry
from hub.cli import signing as cli_signing
from hub.cli import users as cli_users
from hub.domain.errors import HubError
from hub.infra.settings import Settings, load_settings

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on uvloop where it is installed (Linux, macOS), else on asyncio's own loop.

    uvloop's transports and selector cut the hub's CPU per HTTP request and per database round
    trip by about a fifth (bench/submit.py); behaviour is the same on either loop.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        data_dir=getattr(args, "data_dir", None),
        database_url=getattr(args, "database_url", None),
        broker_url=getattr(args, "broker_url", None),
    )


def _container(args: argparse.Namespace) -> Any:
    from hub.bootstrap import build
    from hub.infra.logs import configure_logging

    settings = _settings(args)
    configure_logging(settings.log_level, settings.log_format)
    return build(settings)


async def _migrate(settings: Settings) -> None:
    from hub.db.migrate import migrate

    await migrate(settings.database_url)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    run_async(_migrate(settings))
    print("database is at the newest schema")
    return 0


def _run(roles: tuple[str, ...], *, migrate_first: bool) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from hub.runtime import Runtime, run_until_signalled

        async def main() -> None:
            container = _container(args)
            if migrate_first:
                await _migrate(container.settings)
            await run_until_signalled(
                Runtime(container, roles), host=getattr(args, "host", None),
                port=getattr(args, "port", None),
                reuse_port=getattr(args, "reuse_port", False),
            )

        run_async(main())
        return 0

    return run


def _with_container(
    work: Callable[[Any, argparse.Namespace], Awaitable[int]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def main() -> int:
            container = _container(args)
            try:
                return await work(container, args)
            finally:
                await container.close()

        return run_async(main())

    return run


async def _org_create(container: Any, args: argparse.Namespace) -> int:
    from hub.domain.commands import CreateOrganisation

    org = await container.bus.handle(
        CreateOrganisation(kind=args.kind, name=args.name, uscc=args.uscc)
    )
    print(org.id)
    return 0


async def _apikey_create(container: Any, args: argparse.Namespace) -> int:
    from hub.domain.commands import CreateApiKey

    _, key = await container.bus.handle(CreateApiKey(org_id=args.org, role=args.role))
    print(key)
    print("keep this key now: the hub stores only its hash", file=sys.stderr)
    return 0


async def _apikey_list(container: Any, args: argparse.Namespace) -> int:
    async with container.uow_factory() as uow:
        keys = await uow.api_keys.of_org(args.org)
    for k in keys:
        print(json.dumps({
            "id": k.id, "org_id": k.org_id, "role": k.role.value,
            "created_at": k.created_at.isoformat(),
            "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
        }, ensure_ascii=False))
    if not keys:
        print("no API keys", file=sys.stderr)
    return 0


async def _apikey_revoke(container: Any, args: argparse.Namespace) -> int:
    from hub.domain.commands import RevokeApiKey

    await container.bus.handle(RevokeApiKey(key_id=args.id, actor=f"cli:{args.operator}"))
    print(f"API key {args.id} revoked (API processes stop taking it within 2 seconds)",
          file=sys.stderr)
    return 0


async def _apikey_rotate(container: Any, args: argparse.Namespace) -> int:
    from hub.domain.commands import RotateApiKey

    _, key = await container.bus.handle(RotateApiKey(key_id=args.id,
                                                     actor=f"cli:{args.operator}"))
    print(key)
    print(f"API key {args.id} revoked; keep the new key now: the hub stores only its hash",
          file=sys.stderr)
    return 0


async def _audit_verify(container: Any, args: argparse.Namespace) -> int:
    from hub.db.eventlog import verify_chain

    report = await verify_chain(container.engine)
    if report.ok:
        print(f"event log intact: {report.entries} entries, hash chain verified")
        return 0
    print(
        f"EVENT LOG ALTERED at entry seq={report.first_bad_seq}: {report.problem}",
        file=sys.stderr,
    )
    return 1


async def _parked_list(container: Any, args: argparse.Namespace) -> int:
    rows = await container.parking_store().list(limit=args.limit)
    for p in rows:
        print(json.dumps({
            "id": p.id, "message_id": p.message_id, "queue": p.queue,
            "reason": p.reason, "attempts": p.attempts, "parked_at": p.parked_at.isoformat(),
        }, ensure_ascii=False))
    if not rows:
        print("no parked messages", file=sys.stderr)
    return 0


async def _parked_replay(container: Any, args: argparse.Namespace) -> int:
    p = await container.parking_store().replay(args.id)
    print(f"message {p.message_id} queued again for {p.queue}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from hub.cli.demo import run_demo

    return run_async(run_demo(_settings(args), once=args.once, port=args.port))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="电子函证中心 — confirmation hub")
    parser.add_argument("--data-dir", help="data directory (HUB_DATA_DIR)")
    parser.add_argument("--database-url", help="database URL (HUB_DATABASE_URL)")
    parser.add_argument("--broker-url", help="broker URL (HUB_BROKER_URL)")
    sub = parser.add_subparsers(dest="command", required=True)

    def process(name: str, roles: tuple[str, ...], help_: str, *, migrate: bool = False) -> None:
        p = sub.add_parser(name, help=help_)
        if "api" in roles:
            p.add_argument("--host")
            p.add_argument("--port", type=int)
            p.add_argument("--reuse-port", action="store_true",
                           help="let several `hub api` processes share the port (Linux "
                                "SO_REUSEPORT; the kernel spreads connections over them)")
        p.set_defaults(func=_run(roles, migrate_first=migrate))

    process("serve", ("api", "relay", "worker", "scheduler"),
            "run everything in one process (migrates first)", migrate=True)
    process("api", ("api",), "run the HTTP API only")
    process("relay", ("relay",), "run the outbox relay only")
    process("worker", ("worker",), "run the workers only")
    process("scheduler", ("scheduler",), "run the scheduler only (deadlines; chains the event log)")

    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(
        func=cmd_migrate
    )

    org = sub.add_parser("org", help="organisations").add_subparsers(dest="action", required=True)
    oc = org.add_parser("create", help="register an organisation; prints its id")
    oc.add_argument("--kind", required=True, choices=["firm", "bank", "company", "operator"])
    oc.add_argument("--name", required=True)
    oc.add_argument("--uscc", required=True, help="统一社会信用代码")
    oc.set_defaults(func=_with_container(_org_create))

    key = sub.add_parser("apikey", help="API keys").add_subparsers(dest="action", required=True)
    kc = key.add_parser("create", help="make an API key; prints it once")
    kc.add_argument("--org", required=True)
    kc.add_argument("--role", required=True,
                    choices=["admin", "firm_admin", "auditor", "client_signer", "bank_operator"])
    kc.set_defaults(func=_with_container(_apikey_create))
    kl = key.add_parser("list", help="list API keys (one JSON line each, never a secret)")
    kl.add_argument("--org", help="only this organisation's keys")
    kl.set_defaults(func=_with_container(_apikey_list))
    for action, help_, func in (
            ("revoke", "revoke an API key: it stops working", _apikey_revoke),
            ("rotate", "revoke an API key and print its replacement (same role) once",
             _apikey_rotate)):
        kp = key.add_parser(action, help=help_)
        kp.add_argument("id", help="the key's id (the part after hub_)")
        kp.add_argument("--operator", required=True,
                        help="who does it (recorded in the event log)")
        kp.set_defaults(func=_with_container(func))

    audit = sub.add_parser("audit", help="event log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="verify the hash chain of the event log").set_defaults(
        func=_with_container(_audit_verify)
    )

    cli_signing.add_commands(sub)
    cli_registry.add_commands(sub, _with_container)
    cli_users.add_commands(sub, _with_container)

    parked = sub.add_parser("parked", help="parked messages").add_subparsers(
        dest="action", required=True
    )
    pl = parked.add_parser("list", help="list parked messages with their reasons")
    pl.add_argument("--limit", type=int, default=100)
    pl.set_defaults(func=_with_container(_parked_list))
    pr = parked.add_parser("replay", help="send a parked message again")
    pr.add_argument("id", type=int)
    pr.set_defaults(func=_with_container(_parked_replay))

    demo = sub.add_parser("demo", help="run the hub with a demo round trip on the embedded default")
    demo.add_argument("--once", action="store_true", help="exit when the demo is done")
    demo.add_argument("--port", type=int, default=None)
    demo.set_defaults(func=cmd_demo)

    # Commands of other packages (such as the reference bank's `hub bank-sim`): the core
    # never imports an adapter, it finds them through this entry point group.
    for entry in entry_points(group="hub.commands"):
        entry.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except HubError as e:
        where = f" ({e.field})" if e.field else ""
        print(f"error{where}: {e.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

"""`hub responder …`: the responder registry from the command line (for operators)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.domain.commands import RegisterResponder, RetireResponder, VerifyResponder
from hub.domain.model import Caller, OrgKind, Role
from hub.ports import ResponderQuery


async def _operator(container: Any, args: argparse.Namespace) -> Caller:
    from hub.cli.seeding import operator_id

    org_id = await operator_id(container)
    return Caller(org_id=org_id, org_kind=OrgKind.OPERATOR, role=Role.ADMIN,
                  key_id=f"cli:{args.operator}")


async def _register(container: Any, args: argparse.Namespace) -> int:
    contacts = ({"name": args.contact_name, "email": args.contact_email,
                 "phone": args.contact_phone},) if args.contact_name else ()
    certificates = tuple(args.certificate)  # read by argparse (_pem_file)
    entry = await container.bus.handle(RegisterResponder(
        caller=await _operator(container, args), kind=args.kind, name=args.name,
        uscc=args.uscc, channel=args.channel, bank_code=args.bank_code,
        parent_id=args.parent, reply_scope=args.reply_scope or "", endpoint=args.endpoint,
        contacts=contacts, certificates=certificates,
    ))
    print(entry.id)
    return 0


async def _verify(container: Any, args: argparse.Namespace) -> int:
    return await _act(container, args, lambda caller, version: VerifyResponder(
        caller=caller, responder_id=args.id, version=version))


async def _retire(container: Any, args: argparse.Namespace) -> int:
    return await _act(container, args, lambda caller, version: RetireResponder(
        caller=caller, responder_id=args.id, version=version, reason=args.reason))


async def _act(container: Any, args: argparse.Namespace,
               command: Callable[[Caller, int], Any]) -> int:
    """Run `command` on the entry as it is now (its current version), print the outcome."""
    async with container.uow_factory() as uow:
        entry = await uow.responders.get(args.id)
    version = entry.version if entry is not None else 0
    done = await container.bus.handle(command(await _operator(container, args), version))
    print(f"{done.name}: {done.status.value} (version {done.version})")
    return 0


async def _list(container: Any, args: argparse.Namespace) -> int:
    async with container.uow_factory() as uow:
        found = await uow.responders.search(ResponderQuery(q=args.q, limit=args.limit))
    for r in found:
        print(json.dumps({"id": r.id, "kind": r.kind.value, "name": r.name, "uscc": r.uscc,
                          "bank_code": r.bank_code, "channel": r.channel.value,
                          "status": r.status.value, "version": r.version},
                         ensure_ascii=False))
    return 0


def _pem_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {e}") from e


def add_commands(sub: Any, with_container: Callable[..., Any]) -> None:
    reg = sub.add_parser("responder", help="the responder registry (函证地址登记)")
    actions = reg.add_subparsers(dest="action", required=True)

    def operator(p: argparse.ArgumentParser) -> None:
        p.add_argument("--operator", required=True,
                       help="who you are (recorded in the registry's history)")

    r = actions.add_parser("register", help="register a bank or company; prints its id")
    operator(r)
    r.add_argument("--kind", required=True, choices=["bank", "company"])
    r.add_argument("--name", required=True)
    r.add_argument("--uscc", required=True, help="统一社会信用代码")
    r.add_argument("--channel", required=True,
                   choices=["bank_api_push", "bank_api_pull", "portal"])
    r.add_argument("--bank-code", help="12-digit CNAPS bank code (banks)")
    r.add_argument("--endpoint", help="the bank's URL (bank_api_push)")
    r.add_argument("--parent", help="the head office's registry id")
    r.add_argument("--reply-scope")
    r.add_argument("--contact-name")
    r.add_argument("--contact-email")
    r.add_argument("--contact-phone")
    r.add_argument("--certificate", action="append", default=[], type=_pem_file,
                   help="a PEM file of a certificate allowed to sign replies (repeatable)")
    r.set_defaults(func=with_container(_register))

    v = actions.add_parser("verify", help="verify an entry (not the operator who changed it)")
    operator(v)
    v.add_argument("id")
    v.set_defaults(func=with_container(_verify))

    t = actions.add_parser("retire", help="retire an entry: no more letters go to it")
    operator(t)
    t.add_argument("id")
    t.add_argument("--reason")
    t.set_defaults(func=with_container(_retire))

    ls = actions.add_parser("list", help="list entries (JSON lines)")
    ls.add_argument("--q")
    ls.add_argument("--limit", type=int, default=100)
    ls.set_defaults(func=with_container(_list))

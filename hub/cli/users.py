"""`hub user …`: firm staff who sign in to the web UI (for operators and firm admins)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from hub.domain.errors import ValidationFailed


def _read_password(args: argparse.Namespace) -> str:
    """From stdin's first line with --password-stdin, else typed twice at a prompt."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / Password: ")
    if getpass.getpass("再次输入 / Repeat: ") != first:
        raise ValidationFailed("the two passwords differ", field="password")
    return first


async def _create(container: Any, args: argparse.Namespace) -> int:
    password = _read_password(args)
    user = await container.accounts().create_user(
        org_id=args.org, email=args.email, name=args.name, role=args.role, password=password)
    print(user.id)
    return 0


async def _disable(container: Any, args: argparse.Namespace) -> int:
    user = await container.accounts().disable_user(args.email)
    print(f"{user.email}: disabled; its sessions ended")
    return 0


def add_commands(sub: Any, with_container: Callable[..., Any]) -> None:
    users = sub.add_parser("user", help="firm web UI users").add_subparsers(
        dest="action", required=True)
    c = users.add_parser("create", help="make a firm user (password hashed with argon2id); "
                                        "prints the user's id")
    c.add_argument("--org", required=True, help="the firm's organisation id")
    c.add_argument("--email", required=True, help="the login")
    c.add_argument("--name", required=True, help="display name")
    c.add_argument("--role", required=True, choices=["auditor", "firm_admin"])
    c.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    c.set_defaults(func=with_container(_create))

    d = users.add_parser("disable", help="stop a user signing in (ends their sessions)")
    d.add_argument("--email", required=True)
    d.set_defaults(func=with_container(_disable))

"""Firm web users and their sign-in sessions: the rules, without storage or hashing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.errors import ValidationFailed
from hub.domain.model import Caller, OrgKind, Role

WEB_ROLES: frozenset[Role] = frozenset({Role.FIRM_ADMIN, Role.AUDITOR})
"""Only firm staff sign in to the web UI."""

MAX_FAILURES = 10
"""Failed sign-ins in a row that lock an account for LOCK_MINUTES."""
LOCK_MINUTES = 5

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # a KDF input this long is already a denial-of-service attempt

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


def normalise_email(email: str) -> str:
    """The login as stored and looked up: trimmed, lower case, checked for shape."""
    login = email.strip().lower()
    if not _EMAIL.match(login):
        raise ValidationFailed("not an e-mail address", field="email")
    return login


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"密码至少 {MIN_PASSWORD} 个字符 / the password needs at least "
                               f"{MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed("the password is too long", field="password")


def web_role(role: str) -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        parsed = None
    if parsed not in WEB_ROLES:
        allowed = ", ".join(sorted(r.value for r in WEB_ROLES))
        raise ValidationFailed(f"a web user's role is one of {allowed}", field="role")
    assert parsed is not None
    return parsed


@dataclass(frozen=True)
class WebUser:
    id: str
    org_id: str
    email: str
    display_name: str
    role: Role
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None = None
    failed_attempts: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def caller(self) -> Caller:
        """Who the user is to the queries: their firm and role, like an API key."""
        return Caller(org_id=self.org_id, org_kind=OrgKind.FIRM, role=self.role,
                      key_id=f"web:{self.id}")


def lock_after_failure(failures: int, now: datetime) -> datetime | None:
    """When an account with `failures` failed sign-ins in a row unlocks (None: not locked)."""
    if failures >= MAX_FAILURES:
        return now + timedelta(minutes=LOCK_MINUTES)
    return None


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser. Only the SHA-256 of its token is stored (`id`)."""

    id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str

    def alive(self, now: datetime, idle: timedelta) -> bool:
        return now < self.expires_at and now < self.last_seen_at + idle

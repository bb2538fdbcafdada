"""Firm web users: creating them, signing in (throttled), sessions and signing out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import structlog

from hub.domain.errors import HubError, NotFound, ValidationFailed
from hub.domain.model import OrgKind
from hub.domain.users import (
    WebSession,
    WebUser,
    check_password_rules,
    lock_after_failure,
    normalise_email,
    web_role,
)
from hub.ports import Clock, UnitOfWorkFactory, UserStore
from hub.services.passwords import PasswordKdf
from hub.services.throttle import AddressThrottle

log = structlog.get_logger(__name__)

SIGN_IN_FAILED = "邮箱或密码不正确，或尝试次数过多（请稍后再试） / wrong e-mail or password, " \
                 "or too many attempts (try again later)"


class SignInFailed(HubError):
    """One answer for an unknown login, a wrong password, a locked or disabled account."""

    code = "sign_in_failed"


def token_id(token: str) -> str:
    """What is stored of a session token: its SHA-256 (a database leak gives no session)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta = timedelta(hours=12)
    """A session ends this long after sign-in, used or not."""
    idle: timedelta = timedelta(minutes=30)
    """…or after this long without a request."""
    touch_every: timedelta = timedelta(minutes=1)
    """last_seen_at is written at most this often (a write per page view would queue)."""


@dataclass(frozen=True)
class SignedIn:
    token: str
    """For the cookie only; the hub keeps its hash."""
    session: WebSession
    user: WebUser


class Accounts:
    """The web UI's users. Sessions and failures are not domain events: no event log rows."""

    def __init__(self, store: UserStore, uow_factory: UnitOfWorkFactory, clock: Clock,
                 kdf: PasswordKdf | None = None, policy: SessionPolicy | None = None) -> None:
        self.store = store
        self.uow_factory = uow_factory
        self.clock = clock
        self.kdf = kdf or PasswordKdf()
        self.policy = policy or SessionPolicy()
        self.throttle = AddressThrottle()

    async def create_user(self, *, org_id: str, email: str, name: str, role: str,
                          password: str) -> WebUser:
        """`hub user create`: only a firm's staff get web users."""
        login = normalise_email(email)
        if not name.strip():
            raise ValidationFailed("the display name must not be empty", field="name")
        parsed_role = web_role(role)
        check_password_rules(password)
        async with self.uow_factory() as uow:
            org = await uow.organisations.get(org_id)
        if org is None:
            raise ValidationFailed(f"no organisation {org_id}", field="org")
        if org.kind is not OrgKind.FIRM:
            raise ValidationFailed(f"only firms get web users; {org.name} is a {org.kind.value}",
                                   field="org")
        user = WebUser(id=str(uuid.uuid4()), org_id=org.id, email=login,
                       display_name=name.strip(), role=parsed_role,
                       password_hash=await self.kdf.hash(password),
                       created_at=self.clock.now())
        await self.store.add_user(user)
        log.info("web_user_created", user_id=user.id, org_id=org.id, role=parsed_role.value)
        return user

    async def disable_user(self, email: str) -> WebUser:
        """`hub user disable`: the user cannot sign in any more; open sessions end."""
        user = await self.store.user_by_email(normalise_email(email))
        if user is None:
            raise NotFound(f"no user {email}")
        await self.store.disable_user(user.id, self.clock.now())
        log.info("web_user_disabled", user_id=user.id, org_id=user.org_id)
        return user

    async def sign_in(self, email: str, password: str, user_agent: str,
                      address: str = "") -> SignedIn:
        """A new session, or SignInFailed (same message whatever went wrong, including too
        many failures from the client's `address` lately, which are not even checked)."""
        now = self.clock.now()
        if self.throttle.blocked(address, now):
            log.warning("sign_in_throttled", address=address)
            raise SignInFailed(SIGN_IN_FAILED, field="email")
        try:
            login = normalise_email(email)
        except ValidationFailed:
            login = ""
        user = await self.store.user_by_email(login) if login else None
        usable = user is not None and user.disabled_at is None and not user.locked(now)
        if len(password) > 1024:
            password = ""  # never feed an oversized input to the KDF
        matches = await self.kdf.verify(user.password_hash if usable and user else None,
                                        password)
        if user is None or not usable or not matches:
            if user is not None and usable:
                failures = await self.store.record_failure(user.id, now)
                until = lock_after_failure(failures, now)
                if until is not None:
                    await self.store.lock(user.id, until)
                    log.warning("web_user_locked", user_id=user.id, until=until.isoformat())
            self.throttle.failed(address, now)
            log.info("sign_in_failed", user_id=user.id if user else None)
            raise SignInFailed(SIGN_IN_FAILED, field="email")
        if user.failed_attempts or user.locked_until is not None:
            await self.store.reset_failures(user.id)
        await self._rehash_if_weaker(user, password)
        token = secrets.token_urlsafe(32)
        session = WebSession(id=token_id(token), user_id=user.id,
                             csrf_token=secrets.token_urlsafe(32), created_at=now,
                             last_seen_at=now, expires_at=now + self.policy.lifetime,
                             user_agent=user_agent[:255])
        await self.store.add_session(session)
        await self.store.end_sessions_before(now)  # housekeeping: sessions long expired
        log.info("signed_in", user_id=user.id, org_id=user.org_id)
        return SignedIn(token, session, user)

    async def _rehash_if_weaker(self, user: WebUser, password: str) -> None:
        """Upgrade a hash made at a lower cost than the KDF's now, while the password is at
        hand (the only moment it is)."""
        if user.password_hash and self.kdf.needs_rehash(user.password_hash):
            stored = await self.store.replace_password_hash(
                user.id, user.password_hash, await self.kdf.hash(password))
            log.info("password_rehashed", user_id=user.id, stored=stored)

    async def resume(self, token: str) -> tuple[WebSession, WebUser] | None:
        """The live session a cookie's token stands for, and its user (None: sign in again)."""
        if not token or len(token) > 128:
            return None
        session = await self.store.session(token_id(token))
        if session is None:
            return None
        now = self.clock.now()
        if not session.alive(now, self.policy.idle):
            await self.store.end_session(session.id)
            return None
        user = await self.store.user(session.user_id)
        if user is None or user.disabled_at is not None:
            await self.store.end_session(session.id)
            return None
        if now - session.last_seen_at >= self.policy.touch_every:
            await self.store.touch_session(session.id, now)
        return session, user

    async def sign_out(self, token: str) -> None:
        if token:
            await self.store.end_session(token_id(token))


def csrf_matches(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())

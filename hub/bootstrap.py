"""The composition root: the only module that knows every concrete class."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.api import ApiDeps
from hub.db.uow import OutboxSignal
from hub.domain.calendar import WorkingDayCalendar
from hub.domain.errors import ValidationFailed
from hub.domain.model import Confirmation
from hub.infra.calendar_data import prc_calendar
from hub.infra.certificates import read_certificate
from hub.infra.clocks import SystemClock
from hub.infra.settings import Settings
from hub.ports import (
    BlobStore,
    Broker,
    Clock,
    LetterMaker,
    PortalReplyMaker,
    ReplyChecker,
    UnitOfWorkFactory,
    WorkpaperMaker,
)
from hub.ports.standins import NoLetterSigning, NoPortalReplies, NoReplyChecking, NoWorkpapers
from hub.services.deps import Deps
from hub.services.messagebus import MessageBus
from hub.services.queries import Queries
from hub.services.submissions import Submissions


@dataclass
class Container:
    """The wired object graph of one process. Building it opens no connection."""

    settings: Settings
    clock: Clock
    calendar: WorkingDayCalendar
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    bus: MessageBus
    queries: Queries
    blobs: BlobStore
    outbox_signal: OutboxSignal
    """Fired by every commit of this process that writes outbox rows (the relay listens)."""
    dev_keyring: Any = None
    """The development PKI's keyring when letters are signed with it (letter_signing = dev)."""
    _broker: Broker | None = field(default=None, repr=False)

    @property
    def broker(self) -> Broker:
        if self._broker is None:
            from hub.messaging.factory import create_broker

            self._broker = create_broker(self.settings)
        return self._broker

    def outbox_store(self) -> Any:
        from hub.db.outbox import SqlAlchemyOutboxStore

        return SqlAlchemyOutboxStore(self.engine)

    def parking_store(self) -> Any:
        from hub.db.outbox import SqlAlchemyParkingStore

        return SqlAlchemyParkingStore(self.engine, self.clock)

    async def bank_push(self) -> Any:
        """The bank API adapter's push delivery (adapters/bank_api), with its HMAC key."""
        from adapters.bank_api import PushDelivery

        secret = await asyncio.to_thread(bank_push_secret, self.settings)
        return PushDelivery(self.bus, self.blobs, secret,
                            timeout=self.settings.bank_push_timeout_seconds)

    def smtp_mailer(self) -> Any:
        """What the company portal sends its e-mails with (adapters/portal): the SMTP server,
        or the mail_directory folder when one is set."""
        from adapters.portal import DirectoryMailer, SmtpConfig, SmtpMailer

        s = self.settings
        if s.mail_directory:
            return DirectoryMailer(Path(s.mail_directory), sender=s.smtp_from)
        return SmtpMailer(SmtpConfig(host=s.smtp_host, port=s.smtp_port, sender=s.smtp_from,
                                     starttls=s.smtp_starttls, user=s.smtp_user,
                                     password=s.smtp_password, timeout=s.smtp_timeout_seconds))

    def portal_base_url(self) -> str:
        s = self.settings
        return (s.portal_base_url or s.public_base_url
                or f"http://{s.api_host}:{s.api_port}").rstrip("/")

    async def portal_delivery(self) -> Any:
        """The company portal's delivery: one-time links e-mailed to registered contacts."""
        from adapters.portal import PortalDelivery

        secret = await asyncio.to_thread(portal_secret, self.settings)
        return PortalDelivery(self.bus, self.smtp_mailer(), secret,
                              base_url=self.portal_base_url(),
                              valid_days_after_due=self.settings.portal_link_days_after_due)

    async def portal_app(self) -> Any:
        """The company portal's pages, to serve at /portal."""
        from adapters.portal import PortalDeps, create_portal_app
        from hub.db.uow import uow_factory
        from hub.edge.clientip import trusted_networks
        from hub.services.portal import PortalReader

        secret = await asyncio.to_thread(portal_secret, self.settings)
        reader = PortalReader(uow_factory(self.engine, self.clock, readonly=True))
        return create_portal_app(PortalDeps(
            bus=self.bus, reader=reader, blobs=self.blobs, mailer=self.smtp_mailer(),
            secret=secret, clock=self.clock,
            secure_cookies=self.portal_base_url().startswith("https:"),
            trusted_proxies=trusted_networks(self.settings.trusted_proxies)))

    def workpaper_webhook(self) -> Any:
        """The audit software adapter's webhook push (adapters/audit_software)."""
        from adapters.audit_software import WorkpaperWebhook

        s = self.settings
        base = s.public_base_url or f"http://{s.api_host}:{s.api_port}"
        return WorkpaperWebhook(self.bus, self.bus.deps.secret_box, base,
                                timeout=s.webhook_timeout_seconds,
                                private_networks=s.webhook_private_networks)

    def api_deps(self) -> ApiDeps:
        return ApiDeps(
            bus=self.bus,
            queries=self.queries,
            submissions=Submissions(self.bus, max_batch=self.settings.submit_batch_max),
            max_body_bytes=self.settings.max_body_bytes,
            readiness={"database": self.ping_database, "broker": self.broker.ping},
            clock=self.clock,
            control_sheets=self.control_sheets(),
        )

    def control_sheets(self) -> Any:
        """The report centre's control sheets (hub.readmodels), PDFs drawn by hub.documents."""
        from hub.documents import render_control_sheet
        from hub.readmodels import ControlSheets

        return ControlSheets(self.queries, self.clock, render_control_sheet)

    def accounts(self) -> Any:
        """The firm web UI's users and sessions (hub.services.accounts)."""
        from datetime import timedelta

        from hub.db.users import SqlAlchemyUserStore
        from hub.services.accounts import Accounts, SessionPolicy

        s = self.settings
        policy = SessionPolicy(lifetime=timedelta(hours=s.web_session_hours),
                               idle=timedelta(minutes=s.web_idle_minutes))
        return Accounts(SqlAlchemyUserStore(self.engine), self.uow_factory, self.clock,
                        policy=policy)

    def web_deps(self) -> Any:
        """What the firm web UI (hub.web, served at /web) needs."""
        from hub.edge.clientip import trusted_networks
        from hub.web import WebDeps

        return WebDeps(accounts=self.accounts(), queries=self.queries, clock=self.clock,
                       cookie_secure=self.settings.web_cookie_secure,
                       control_sheets=self.control_sheets(), bus=self.bus,
                       trusted_proxies=trusted_networks(self.settings.trusted_proxies))

    async def pki_app(self) -> Any:
        """The development PKI's public web app (CRLs, CA certificates, a TSA) to serve at
        /pki, when letters are signed with it; None otherwise."""
        if self.dev_keyring is None:
            return None
        from signing import TimeStampAuthority, create_pki_app

        pki = await self.dev_keyring.pki()
        tsa = await TimeStampAuthority.from_key_store(pki.key_store(), "tsa")
        return create_pki_app(pki, tsa=tsa)

    async def ping_database(self) -> bool:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def close(self) -> None:
        if self._broker is not None:
            await self._broker.close()
        await self.engine.dispose()


def build(
    settings: Settings, *, clock: Clock | None = None, letter_maker: LetterMaker | None = None,
    reply_checker: ReplyChecker | None = None,
) -> Container:
    """Wire the hub for these settings (`letter_maker`, `reply_checker` replace the
    configured ones)."""
    from hub.db.engine import create_engine
    from hub.db.uow import uow_factory
    from hub.db.validation_reports import SqlValidationReports
    from hub.infra.blobs import DirectoryBlobStore
    from hub.infra.secretbox import FernetSecretBox

    clock = clock or SystemClock()
    calendar = prc_calendar()
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size,
                           max_overflow=settings.database_max_overflow)
    signal = OutboxSignal()
    factory = uow_factory(engine, clock, signal=signal)
    blobs = DirectoryBlobStore(Path(settings.data_dir) / "blobs")
    keyring = _dev_keyring(settings)
    # Shared by the processes of a PostgreSQL deployment; `hub serve` on SQLite is one process.
    reports = None if engine.dialect.name == "sqlite" else SqlValidationReports(engine, clock)
    deps = Deps(
        clock=clock,
        calendar=calendar,
        authorisation_window_working_days=settings.authorisation_window_working_days,
        blobs=blobs,
        letter_maker=letter_maker or _letter_maker(settings, keyring),
        certificate_reader=read_certificate,
        reply_checker=reply_checker or _reply_checker(keyring, reports),
        workpaper_maker=_workpaper_maker(settings, keyring, reports),
        portal_reply_maker=_portal_reply_maker(settings, keyring),
        secret_box=FernetSecretBox(Path(settings.data_dir) / "secrets" / "webhooks.key"),
    )
    return Container(
        settings=settings,
        clock=clock,
        calendar=calendar,
        engine=engine,
        uow_factory=factory,
        bus=MessageBus(factory, deps),
        queries=Queries(uow_factory(engine, clock, readonly=True), blobs),
        blobs=blobs,
        outbox_signal=signal,
        dev_keyring=keyring,
    )


def _pki_url(settings: Settings) -> str:
    """Where the development PKI's CRLs and CA certificates are served (hub api, /pki)."""
    return f"http://{settings.api_host}:{settings.api_port}/pki"


def _dev_keyring(settings: Settings) -> Any:
    """The development PKI's keyring (opens nothing yet); None unless letter_signing = dev."""
    if settings.letter_signing == "off":
        return None
    if settings.letter_signing != "dev":
        raise ValidationFailed(
            f"letter_signing must be dev or off, not {settings.letter_signing!r}",
            field="letter_signing",
        )
    from adapters.pdf_letters import DevKeyring

    return DevKeyring(Path(settings.data_dir) / "pki", base_url=_pki_url(settings))


def _letter_maker(settings: Settings, keyring: Any) -> LetterMaker:
    """The configured letter maker: signs with `keyring` (a stand-in that refuses without)."""
    if keyring is None:
        return NoLetterSigning()
    from adapters.pdf_letters import SignedLetterMaker
    from hub.documents import render_letter
    from signing import Level

    def render(c: Confirmation, client_name: str) -> bytes:
        return render_letter(c.letter_type.value, c.letter, client_name=client_name,
                             created_at=c.authorised_at)

    try:
        level = Level(settings.letter_signature_level)
    except ValueError as e:
        raise ValidationFailed(
            f"letter_signature_level must be one of {', '.join(lv.value for lv in Level)}, "
            f"not {settings.letter_signature_level!r}", field="letter_signature_level",
        ) from e
    return SignedLetterMaker(render, keyring, level=level, tsa_url=settings.tsa_url)


def _workpaper_maker(settings: Settings, keyring: Any, reports: Any) -> WorkpaperMaker:
    """Workpapers sealed with the development PKI's hub key (a stand-in without a keyring);
    signatures validated once across processes through `reports` (None: in this one)."""
    if keyring is None:
        return NoWorkpapers()
    from adapters.pdf_letters.workpapers import SealedWorkpaperMaker
    from hub.documents import render_workpaper
    from signing import Level

    return SealedWorkpaperMaker(render_workpaper, keyring,
                                level=Level(settings.letter_signature_level), reports=reports)


def _portal_reply_maker(settings: Settings, keyring: Any) -> PortalReplyMaker:
    """Company portal replies sealed with the development PKI's hub key (a stand-in without
    a keyring)."""
    if keyring is None:
        return NoPortalReplies()
    from adapters.portal import SealedPortalReplyMaker
    from hub.documents import render_portal_reply
    from signing import Level

    return SealedPortalReplyMaker(render_portal_reply, keyring,
                                  level=Level(settings.letter_signature_level))


def _reply_checker(keyring: Any, reports: Any) -> ReplyChecker:
    """Replies validated against the development PKI's roots (a stand-in without a keyring),
    each once across processes through `reports` (None: once in this one)."""
    if keyring is None:
        return NoReplyChecking()
    from adapters.pdf_letters import SignedReplyChecker

    async def trust() -> tuple[Any, Any]:
        pki = await keyring.pki()
        return pki.trust_roots(), await keyring.crls()

    return SignedReplyChecker(trust, reports=reports)


def bank_push_secret(settings: Settings) -> bytes:
    """The HMAC key of pushes to banks. Blocking."""
    return _secret(settings, settings.bank_push_secret, "bank_push.key")


def portal_secret(settings: Settings) -> bytes:
    """The company portal's key (link tokens, code and CSRF hashes). Blocking."""
    return _secret(settings, settings.portal_secret, "portal.key")


def _secret(settings: Settings, configured: str, name: str) -> bytes:
    """The configured secret, else a random one kept in the data dir as `name` (made on first
    use, readable by the owner only)."""
    if configured:
        return configured.encode("utf-8")
    from hub.infra.secretbox import keep_key

    return keep_key(Path(settings.data_dir) / "secrets" / name,
                    lambda: secrets.token_urlsafe(32).encode("ascii"))


def holder_id() -> str:
    """Identifies this process in outbox leases."""
    return f"{socket.gethostname()}:{os.getpid()}"

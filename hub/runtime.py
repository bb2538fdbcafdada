"""Runs the hub's processes (api, relay, worker, scheduler, or all in one) until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from hub.api import create_app
from hub.bootstrap import Container, holder_id
from hub.domain import commands
from hub.domain.errors import HubError

if TYPE_CHECKING:
    from hub.infra.settings import Settings
    from hub.messaging.consumer import RetryPolicy
    from hub.ports import Envelope

log = structlog.get_logger(__name__)

ROLES = ("api", "relay", "worker", "scheduler")


class Runtime:
    """Owns every background task of a process; `stop()` drains them in order."""

    def __init__(self, container: Container, roles: Iterable[str]) -> None:
        self.c = container
        self.roles = set(roles)
        unknown = self.roles - set(ROLES)
        if unknown:
            raise HubError(f"unknown process role(s): {', '.join(sorted(unknown))}")
        moving = self.roles & {"relay", "worker"}
        if container.settings.embedded_broker and moving and moving != {"relay", "worker"}:
            raise HubError(
                "the embedded broker lives inside one process: run `hub serve`, "
                "or set HUB_BROKER_URL to RabbitMQ to run relay and worker apart"
            )
        self.relay: Any = None
        self.sealer: Any = None
        self.consumers: list[Any] = []
        self.runner: web.AppRunner | None = None
        self.scheduler_task: asyncio.Task[None] | None = None
        self.bound_port: int | None = None

    async def start(
        self, host: str | None = None, port: int | None = None, *, reuse_port: bool = False
    ) -> None:
        s = self.c.settings
        if self.roles & {"relay", "worker"}:
            await self._connect_broker()
        if "worker" in self.roles:
            from hub.messaging.consumer import Consumer
            from hub.services.workers import jobs_handler

            consumer = Consumer(
                name="hub.jobs",
                queue="hub.jobs",
                handler=jobs_handler(self.c.bus),
                broker=self.c.broker,
                uow_factory=self.c.uow_factory,
                parking=self.c.parking_store(),
                settings=s.replace(consumer_prefetch=s.jobs_prefetch),
                on_parked=self._job_failed,
            )
            await consumer.start()
            self.consumers.append(consumer)
            await self._start_adapters()
        if "relay" in self.roles:
            from hub.messaging.relay import Relay

            self.relay = Relay(self.c.outbox_store(), self.c.broker, s, holder_id())
            await self.relay.start()
            # Whatever commits in this process (API, web, portal, workers, scheduler) and
            # writes outbox rows has them published at once, not at the next poll.
            self.c.outbox_signal.subscribe(self.relay.wake)
        if "scheduler" in self.roles:
            from hub.db.sealer import EventLogSealer

            # Upkeep beside the deadlines: chaining the event log is no part of relaying, and
            # one sealer does (several would only take turns at its lock).
            self.sealer = EventLogSealer(self.c.engine)
            await self.sealer.start()
            self.scheduler_task = asyncio.create_task(self._schedule(), name="scheduler")
        if "api" in self.roles:
            app = create_app(self.c.api_deps())
            pki = await self.c.pki_app()
            if pki is not None:
                app.add_subapp("/pki", pki)
            app.add_subapp("/portal", await self.c.portal_app())
            from hub.web import mount

            mount(app, self.c.web_deps())
            self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await self.runner.setup()
            bind_port = s.api_port if port is None else port
            site = web.TCPSite(self.runner, host or s.api_host, bind_port,
                               reuse_port=reuse_port or None)
            await site.start()
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            self.bound_port = sockets[0].getsockname()[1] if sockets else port
            log.info("api_listening", host=host or s.api_host, port=self.bound_port)
        log.info("hub_started", roles=sorted(self.roles), broker=_safe_url(s.broker_url),
                 database=_safe_url(s.database_url))

    async def _connect_broker(self) -> None:
        """Connect, waiting for a broker that is down at start-up (restarting, or not up yet)
        for up to startup_wait_seconds, with backoff; then give up with its error."""
        from hub.messaging.errors import BrokerError

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.c.settings.startup_wait_seconds
        delay = 0.5
        while True:
            try:
                await self.c.broker.connect()
                return
            except BrokerError as e:
                if loop.time() + delay > deadline:
                    raise
                log.warning("broker_unavailable_at_start", error=str(e), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _job_failed(self, envelope: dict[str, Any], reason: str) -> None:
        """A job parked for good: its letter, if not yet made, is `failed` with the reason."""
        confirmation_id = envelope.get("data", {}).get("confirmation_id")
        if isinstance(confirmation_id, str):
            await self.c.bus.handle(commands.RecordJobFailure(
                confirmation_id=confirmation_id, reason=reason))

    async def _start_adapters(self) -> None:
        """The channel adapters' consumers: the bank API's pushes to banks, the company
        portal's e-mailed links, the audit software's workpaper webhooks."""
        from hub.messaging.topology import AUDIT_SOFTWARE_QUEUE, BANK_API_QUEUE, PORTAL_QUEUE

        s = self.c.settings
        await self._consume(BANK_API_QUEUE, await self.c.bank_push(), _channel_policy(
            s, s.bank_push_retry_base_seconds, s.bank_push_retry_max_seconds,
            s.bank_push_retry_hours))
        if not self.c.settings.smtp_host and not self.c.settings.mail_directory:
            log.warning("portal_without_smtp", reason="no smtp_host: letters to companies are "
                        "parked until one is configured and they are replayed")
        await self._consume(PORTAL_QUEUE, await self.c.portal_delivery(), _channel_policy(
            s, s.portal_retry_base_seconds, s.portal_retry_max_seconds, s.portal_retry_hours))
        await self._consume(AUDIT_SOFTWARE_QUEUE, self.c.workpaper_webhook())

    async def _consume(self, queue: str, adapter: Any, retry: RetryPolicy | None = None) -> None:
        """Start a consumer of `queue` whose handler is `adapter`; its `parked` notes a
        message that gave up in the letter's history, its `retrying` (if any) one whose
        delivery is pending under the channel's `retry` policy."""
        from hub.messaging.consumer import Consumer

        on_retry = None
        retrying = getattr(adapter, "retrying", None)
        if retry is not None and retrying is not None:
            hours = retry.budget_seconds / 3600

            async def on_retry(envelope: Envelope, reason: str, attempt: int) -> None:
                await retrying(envelope, reason, attempt, hours)

        consumer = Consumer(
            name=queue, queue=queue, handler=adapter, broker=self.c.broker,
            uow_factory=self.c.uow_factory, parking=self.c.parking_store(),
            settings=self.c.settings, on_parked=adapter.parked, retry=retry,
            on_retry=on_retry,
        )
        await consumer.start()
        self.consumers.append(consumer)

    async def _schedule(self) -> None:
        interval = self.c.settings.scheduler_interval_seconds
        while True:
            try:
                expired = await self.c.bus.handle(commands.ExpireAuthorisations())
                if expired:
                    log.info("authorisations_expired", count=len(expired))
                concluded = await self.c.bus.handle(commands.ConcludeUnansweredNegatives())
                if concluded:
                    log.info("negatives_concluded_without_reply", count=len(concluded))
                reminded = await self.c.bus.handle(commands.SendSecondRequests())
                if reminded:
                    log.info("second_requests_sent", count=len(reminded))
            except Exception:
                log.exception("scheduler_round_failed")
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        """Stop taking work, finish what is in flight, release connections."""
        log.info("hub_stopping")
        if self.runner is not None:
            await self.runner.cleanup()
        if self.scheduler_task is not None:
            self.scheduler_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.scheduler_task
        # The relay first: on the embedded broker its publishes wait for the consumers.
        if self.relay is not None:
            self.c.outbox_signal.unsubscribe(self.relay.wake)
            await self.relay.stop()
        for consumer in self.consumers:
            await consumer.stop()
        if self.sealer is not None:
            await self.sealer.stop()
        await self.c.close()
        log.info("hub_stopped")


def _safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def run_until_signalled(runtime: Runtime, **start_kwargs: Any) -> None:
    """Start, wait for SIGTERM or SIGINT, then stop gracefully."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start(**start_kwargs)
    settle_garbage_collector()
    try:
        await stop.wait()
    finally:
        await runtime.stop()


GC_YOUNG_THRESHOLD = 20_000
"""Allocations between collections of the youngest generation (Python's default is 700)."""


def settle_garbage_collector() -> None:
    """Tune the cyclic garbage collector for a long-running hub process, once it has started.

    What start-up made (modules, schemas, the wired container) lives as long as the process:
    gc.freeze() takes it out of every later collection. And a request allocates thousands of
    objects, so at the default threshold the young generation was collected several times a
    request; every GC_YOUNG_THRESHOLD allocations is enough (bench/submit.py: about a tenth
    less CPU per submission).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def _channel_policy(s: Settings, base: float, cap: float, hours: float) -> RetryPolicy:
    """A channel's retry policy: at least retry_max_attempts, and on for `hours`."""
    from hub.messaging.consumer import RetryPolicy

    return RetryPolicy(base, cap, s.retry_max_attempts, budget_seconds=hours * 3600)

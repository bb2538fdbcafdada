"""Settings: defaults from config/hub.toml, overridden by HUB_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from hub.domain.errors import ValidationFailed


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    """Directory for the SQLite database and stored documents."""
    database_url: str
    """SQLAlchemy async URL; postgresql+asyncpg://… or sqlite+aiosqlite:///…"""
    broker_url: str
    """embedded:// or amqp://…"""
    database_pool_size: int = 20
    """PostgreSQL connections each process keeps open for reuse."""
    database_max_overflow: int = 10
    """Connections a process may open beyond the pool under load (closed when returned):
    processes x (pool size + overflow) must stay under the server's max_connections."""
    quorum_queues: bool = False
    """Declare work queues as RabbitMQ quorum queues."""
    api_host: str = "127.0.0.1"
    """Address the HTTP API listens on."""
    api_port: int = 8080
    """Port the HTTP API listens on."""
    max_body_bytes: int = 1_048_576
    """Largest accepted request body."""
    submit_batch_max: int = 64
    """Submissions an API process commits together when they arrive at once (group commit;
    1 commits each alone). An idle hub never waits for a batch to fill."""
    relay_batch_size: int = 200
    """Outbox rows leased per relay round."""
    relay_poll_seconds: float = 0.2
    """How often an idle relay looks for new outbox rows."""
    relay_lease_seconds: float = 30.0
    """How long a relay holds rows it is publishing before another may take them."""
    relay_max_in_flight: int = 1000
    """Unconfirmed publishes a relay allows at once."""
    consumer_prefetch: int = 32
    """Unacknowledged deliveries per consumer."""
    jobs_prefetch: int = 8
    """Jobs (making letters and workpapers, checking replies) a worker process takes at once:
    they are CPU-bound and each holds a database connection while it runs, so more than the
    cores can work on only waits, holding connections."""
    retry_max_attempts: int = 5
    """Deliveries of a message before a transient failure parks it."""
    retry_base_seconds: float = 1.0
    """First retry delay; doubles each attempt, with jitter."""
    retry_max_seconds: float = 300.0
    """Cap of the retry delay."""
    scheduler_interval_seconds: float = 30.0
    """How often the scheduler looks for expired and overdue confirmations."""
    authorisation_window_working_days: int = 10
    """Working days the audited entity has to authorise a request."""
    letter_signing: str = "dev"
    """How letters are signed: "dev" (keys issued from the development PKI in
    <data_dir>/pki, made on first use, with its own time-stamping authority) or "off" (no
    letters are made; authorised requests wait)."""
    letter_signature_level: str = "B-LT"
    """PAdES level of the letter's signatures: B-B, B-T (time-stamped), B-LT (plus the
    validation data, so it still validates offline after the certificates expire) or B-LTA."""
    tsa_url: str = ""
    """An external RFC 3161 time-stamping authority for the letters' signatures; empty: the
    development PKI's own, in process."""
    startup_wait_seconds: float = 120.0
    """How long a starting relay or worker waits for a broker that is not up yet."""
    bank_push_secret: str = ""
    """The HMAC-SHA256 key signing letters pushed to banks (X-Hub-Signature), shared with
    them out of band; empty: a random key kept in <data_dir>/secrets/bank_push.key."""
    bank_push_timeout_seconds: float = 30.0
    bank_push_retry_base_seconds: float = 10.0
    """First retry delay of a push a bank did not take; doubles, with jitter."""
    bank_push_retry_max_seconds: float = 600.0
    """Cap of one push retry delay."""
    bank_push_retry_hours: float = 24.0
    """How long pushes to a bank that is down go on being retried before they are parked."""
    """How long a push to a bank's endpoint may take before it counts as failed (retried)."""
    smtp_host: str = ""
    """The SMTP server the company portal's e-mails go through; empty: none is sent (letters
    to companies are parked until one is configured and they are replayed)."""
    mail_directory: str = ""
    """A folder the portal's e-mails are written into as .eml files instead of being sent
    (development, `hub demo`); empty: they go through smtp_host."""
    smtp_port: int = 25
    """Its port: 25, 587 (with smtp_starttls) or 465 (implicit TLS)."""
    smtp_from: str = "电子函证中心 <noreply@localhost>"
    """The From address of the portal's e-mails."""
    smtp_starttls: bool = False
    """Upgrade the SMTP connection with STARTTLS before logging in."""
    smtp_user: str = ""
    """SMTP login; empty: no login."""
    smtp_password: str = ""
    """SMTP password (set it in the environment, HUB_SMTP_PASSWORD)."""
    smtp_timeout_seconds: float = 30.0
    portal_retry_base_seconds: float = 30.0
    """First retry delay of a portal e-mail the SMTP server did not take."""
    portal_retry_max_seconds: float = 900.0
    """Cap of one portal e-mail retry delay."""
    portal_retry_hours: float = 48.0
    """How long portal e-mails are retried before they are parked."""
    """How long the SMTP server may take before sending counts as failed (retried)."""
    portal_base_url: str = ""
    """Where companies reach the portal, for the links e-mailed to them (https://… in
    production; its cookies are then Secure); empty: public_base_url, else
    http://<api_host>:<api_port>."""
    trusted_proxies: str = ""
    """Reverse proxies in front of the hub (comma-separated addresses or CIDR networks): only
    behind them does the portal take where a reply came from out of X-Forwarded-For."""
    portal_link_days_after_due: int = 14
    """Calendar days a portal link stays valid after the reply deadline."""
    portal_secret: str = ""
    """The key portal link tokens and codes are derived and hashed with; empty: a random key
    kept in <data_dir>/secrets/portal.key."""
    public_base_url: str = ""
    """The hub's address as others reach it (e.g. https://hub.example.cn), for the absolute
    links webhooks send; empty: http://<api_host>:<api_port>."""
    webhook_timeout_seconds: float = 10.0
    """How long a workpaper push to a firm's webhook may take before it counts as failed."""
    webhook_private_networks: bool = False
    """Let webhooks point at loopback and private addresses (development and tests only: a
    firm chooses the URL, and the hub must not become its way into the hub's own network)."""
    web_cookie_secure: bool = True
    """The firm web UI's cookies are Secure and __Host- prefixed (browsers send them over
    HTTPS only, and over http://127.0.0.1 and localhost); false only for a plain-HTTP test."""
    web_session_hours: float = 12.0
    """A web session ends this long after sign-in."""
    web_idle_minutes: float = 30.0
    """…or after this long without a page view."""
    log_format: str = "auto"
    """auto, json or console."""
    log_level: str = "info"
    """debug, info, warning or error."""

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url.startswith("embedded:")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _defaults() -> dict[str, Any]:
    text = resources.files("config").joinpath("hub.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _coerce(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind in (bool, "bool"):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
    except ValueError as e:
        raise ValidationFailed(f"HUB_{name.upper()}: cannot read {raw!r}", field=name) from e
    return raw


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read config/hub.toml, then HUB_* variables, then keyword overrides."""
    env = os.environ if env is None else env
    values = _defaults()
    types = {f.name: f.type for f in fields(Settings)}
    for name in types:
        key = f"HUB_{name.upper()}"
        if key in env:
            values[name] = _coerce(name, env[key], types[name])
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - set(types)
    if unknown:
        raise ValidationFailed(f"unknown setting(s): {', '.join(sorted(unknown))}")
    data_dir = Path(values["data_dir"]).expanduser()
    values["data_dir"] = data_dir
    if not values.get("database_url"):
        values["database_url"] = f"sqlite+aiosqlite:///{data_dir.resolve()}/hub.db"
    if not values.get("broker_url"):
        values["broker_url"] = "embedded://"
    return Settings(**values)

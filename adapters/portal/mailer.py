"""Sends the portal's e-mails (links, verification codes): through the configured SMTP server,
or into a folder as .eml files (development and the demo)."""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Protocol

import structlog

from hub.domain.errors import PermanentError, TransientError

log = structlog.get_logger(__name__)


class Mailer(Protocol):
    """Sends one e-mail; returns its Message-ID once it is accepted (raises TransientError or
    PermanentError otherwise)."""

    async def send(self, to_name: str, to_email: str, subject: str, body: str) -> str: ...


def _message(sender: str, to_name: str, to_email: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_email))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="confirmation-hub")
    msg.set_content(body, charset="utf-8")
    return msg


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    """The SMTP server; empty: no e-mail can be sent."""
    port: int = 25
    """Its port (25 or 587 with STARTTLS; 465 means implicit TLS)."""
    sender: str = "电子函证中心 <noreply@localhost>"
    """The From address."""
    starttls: bool = False
    """Upgrade the connection with STARTTLS before logging in."""
    user: str = ""
    """Login name; empty: no login."""
    password: str = ""
    """Login password (from the environment, never logged)."""
    timeout: float = 30.0
    """Seconds before a silent server counts as down (the message is retried)."""


class SmtpMailer:
    """Sends one UTF-8 plain-text e-mail per call, in a worker thread (smtplib blocks).

    A connection failure, a timeout or a 4xx answer is transient (retry later); a 5xx answer
    that refuses the recipient or the message is permanent.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    async def send(self, to_name: str, to_email: str, subject: str, body: str) -> str:
        """Send; returns the Message-ID once the server accepted the message."""
        if not self._config.host:
            raise PermanentError("no SMTP server is configured (smtp_host): set it, then replay")
        msg = _message(self._config.sender, to_name, to_email, subject, body)
        await asyncio.to_thread(self._send, msg)
        log.info("email_sent", to=_masked(to_email), subject=subject)
        return str(msg["Message-ID"])

    def _send(self, msg: EmailMessage) -> None:
        c = self._config
        try:
            smtp: smtplib.SMTP
            if c.port == 465:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            with smtp:
                if c.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if c.user:
                    smtp.login(c.user, c.password)
                smtp.send_message(msg)
        except smtplib.SMTPResponseException as e:
            text = f"the SMTP server answered {e.smtp_code}"
            if 400 <= e.smtp_code < 500:
                raise TransientError(text) from e
            raise PermanentError(text) from e
        except smtplib.SMTPRecipientsRefused as e:
            raise PermanentError("the SMTP server refused the recipient") from e
        except (OSError, smtplib.SMTPException) as e:
            raise TransientError(f"the SMTP server is unreachable: {type(e).__name__}") from e


class DirectoryMailer:
    """Writes each e-mail as an .eml file into a folder instead of sending it: for development
    and `hub demo`, where no SMTP server runs. Each file appears whole (written, then renamed)."""

    def __init__(self, folder: Path, sender: str = "电子函证中心 <noreply@localhost>") -> None:
        self._folder = folder
        self._sender = sender

    async def send(self, to_name: str, to_email: str, subject: str, body: str) -> str:
        msg = _message(self._sender, to_name, to_email, subject, body)
        await asyncio.to_thread(self._write, msg)
        log.info("email_written", to=_masked(to_email), subject=subject)
        return str(msg["Message-ID"])

    def _write(self, msg: EmailMessage) -> None:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"  # sorts in the order written
            partial = self._folder / f".{name}.tmp"
            partial.write_bytes(bytes(msg))
            os.replace(partial, self._folder / f"{name}.eml")
        except OSError as e:
            raise TransientError(f"the mail folder cannot be written: {e.strerror}") from e


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"

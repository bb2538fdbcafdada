"""The reference bank at work: take each waiting letter, return it or upload a signed reply."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import structlog

from adapters.bank_sim.answer import answer
from adapters.bank_sim.conformity import ReturnReason, conformity
from adapters.bank_sim.hubclient import HubApiError, HubInboxClient, Item
from adapters.bank_sim.ledger import Ledger
from adapters.bank_sim.signer import BankSigner
from hub.documents import RenderError, render_reply_document
from signing import SigningError

__all__ = ["BankWorker", "HandledLetters", "StateCorrupt"]

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
CHINA = timezone(timedelta(hours=8), "CST")
"""The bank's business day (replied_on) is the date in China."""


class StateCorrupt(Exception):
    """The handled-letters file cannot be read: starting anyway could answer letters twice."""


class HandledLetters:
    """Which letters the bank has returned or replied to: a JSON file, replaced atomically,
    so a restarted bank never handles a letter twice."""

    def __init__(self, path: Path, letters: dict[str, dict[str, Any]]) -> None:
        self.path = path
        self._letters = letters
        self._lock = asyncio.Lock()

    @classmethod
    def load(cls, path: Path) -> HandledLetters:
        """Read the file at `path` (none yet: nothing handled). Blocking: call in a thread."""
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls(path, {})
        except (OSError, ValueError) as e:
            raise StateCorrupt(f"{path}: cannot read the handled letters: {e}") from e
        letters = data.get("letters") if isinstance(data, dict) else None
        if not isinstance(letters, dict):
            raise StateCorrupt(f"{path}: no `letters` object")
        return cls(path, letters)

    def __contains__(self, confirmation_id: object) -> bool:
        return confirmation_id in self._letters

    def __len__(self) -> int:
        return len(self._letters)

    def get(self, confirmation_id: str) -> dict[str, Any] | None:
        return self._letters.get(confirmation_id)

    async def record(self, confirmation_id: str, **facts: Any) -> None:
        """Remember the letter as handled, and write the file before returning."""
        async with self._lock:
            self._letters[confirmation_id] = facts
            text = json.dumps({"letters": self._letters}, ensure_ascii=False, indent=1)
            await asyncio.to_thread(_replace, self.path, text.encode())


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


SWEEP_SECONDS = 60.0
"""How often the whole inbox is read, not only the letters not yet acknowledged."""


class BankWorker:
    """Handles letters one at a time: those pushed to the bank first, then the hub's inbox.

    A letter is handled at most once (HandledLetters); one whose PDF does not match its
    SHA-256, or that fails for good, is left alone until the bank restarts.
    """

    def __init__(self, client: HubInboxClient, ledger: Ledger, signer: BankSigner,
                 handled: HandledLetters, clock: Clock) -> None:
        self.client = client
        self.ledger = ledger
        self.signer = signer
        self.handled = handled
        self._clock = clock
        self._pushed: dict[str, tuple[Item, bytes]] = {}
        self._wake = asyncio.Event()
        self._refused: dict[str, str] = {}
        """Letter id -> the letter_sha256 it was refused with in this run."""
        self._swept_at: float | None = None
        """When the whole inbox was last read (else only letters not yet acknowledged)."""

    def push(self, item: Item, pdf: bytes) -> None:
        """Queue a letter the hub pushed, with its PDF, and wake the worker."""
        self._pushed[str(item["id"])] = (item, pdf)
        self._wake.set()

    async def run(self, poll_seconds: float) -> None:
        """Until cancelled: handle pushed letters, poll the inbox, wait `poll_seconds` or a push."""
        while True:
            self._wake.clear()
            await self.drain()
            await self.poll()
            if not self._wake.is_set():
                try:
                    await asyncio.wait_for(self._wake.wait(), poll_seconds)
                except TimeoutError:
                    pass

    async def drain(self) -> None:
        """Handle every letter pushed so far."""
        while self._pushed:
            key = next(iter(self._pushed))
            item, pdf = self._pushed.pop(key)
            await self.handle(item, pdf)

    async def poll(self) -> None:
        """Handle each waiting letter of the hub's inbox: those not yet acknowledged on each
        poll, and every waiting one at start and once a minute (a letter acknowledged before
        a crash and not yet answered is found again)."""
        now = time.monotonic()
        sweep = self._swept_at is None or now - self._swept_at >= SWEEP_SECONDS
        try:
            items = await self.client.waiting(new_only=not sweep)
            if sweep:
                self._swept_at = now
        except HubApiError as e:
            log.warning("inbox_unavailable", status=e.status, detail=e.detail)
            return
        for item in items:
            await self.handle(item)

    async def handle(self, item: Item, pdf: bytes | None = None) -> str | None:
        """Return or answer one letter; "returned", "replied", or None if left for now."""
        letter_id = str(item.get("id", ""))
        sha = item.get("letter_sha256")
        if not letter_id or letter_id in self.handled or self._refused.get(letter_id) == sha:
            return None
        bound = log.bind(confirmation_id=letter_id, letter_number=item.get("letter_number"))
        try:
            return await self._handle(letter_id, item, pdf)
        except HubApiError as e:
            if not e.transient:
                self._refused[letter_id] = str(sha)
            bound.warning("letter_not_handled", status=e.status, detail=e.detail)
        except SigningError as e:
            bound.warning("reply_not_signed", error=str(e))
        except (RenderError, KeyError, TypeError, ValueError) as e:
            self._refused[letter_id] = str(sha)
            bound.error("letter_unusable", error=f"{type(e).__name__}: {e}")
        except Exception:  # a bug must not stop the bank: this letter waits for a restart
            self._refused[letter_id] = str(sha)
            bound.exception("letter_failed")
        return None

    async def _handle(self, letter_id: str, item: Item, pdf: bytes | None) -> str | None:
        if pdf is None:
            pdf = await self.client.letter_pdf(letter_id)
        actual = hashlib.sha256(pdf).hexdigest()
        if actual != item["letter_sha256"]:
            self._refused[letter_id] = item["letter_sha256"]
            log.error("letter_sha256_mismatch", confirmation_id=letter_id,
                      expected=item["letter_sha256"], actual=actual)
            return None
        await self.client.receipt(letter_id)
        customer = item["customer"]
        reasons = conformity(item["letter_type"], item["letter"], customer_uscc=customer["uscc"],
                             ledger=self.ledger)
        if reasons:
            return await self._return(letter_id, reasons)
        return await self._reply(letter_id, item, actual)

    async def _return(self, letter_id: str, reasons: list[ReturnReason]) -> str:
        code, text = reasons[0].code, "；".join(r.text for r in reasons)
        try:
            done = await self.client.return_letter(letter_id, code, text)
        except HubApiError as e:
            # A retried return whose first attempt got through is refused: it is done.
            if e.status != 409 or (await self.client.item(letter_id)).get("status") != "returned":
                raise
            done = {}
        await self.handled.record(letter_id, outcome="returned", reason_code=code,
                                  at=self._clock().isoformat())
        log.info("letter_returned", confirmation_id=letter_id, reason_code=code,
                 reasons=len(reasons), late=done.get("late"))
        return "returned"

    async def _reply(self, letter_id: str, item: Item, sha: str) -> str:
        now = self._clock()
        kept = await asyncio.to_thread(self._kept_reply, letter_id)
        if kept is None:
            customer = self.ledger.customer(item["customer"]["uscc"])
            reply = answer(item["letter_type"], item["letter"], customer_uscc=customer.uscc,
                           ledger=self.ledger, letter_sha256=sha, replied_on=_today(now))
            rendered = await asyncio.to_thread(render_reply_document, reply,
                                               customer_name=customer.name, created_at=now)
            signed = await self.signer.sign(rendered.pdf,
                                            rendered.signature_boxes.get("responder"))
            # Recorded before it is sent: a bank killed before it records the answer sends
            # these same bytes again, which the hub takes as the same reply (no second one).
            text = json.dumps({"reply": reply, "pdf": base64.b64encode(signed).decode()},
                              ensure_ascii=False)
            await asyncio.to_thread(_replace, self._reply_path(letter_id), text.encode())
        else:
            reply, signed = kept
            log.info("reply_sent_again", confirmation_id=letter_id)
        done = await self.client.reply(letter_id, signed, reply)
        await self.handled.record(letter_id, outcome="replied", reply_id=done.get("reply_id"),
                                  conclusion=reply["conclusion"], at=now.isoformat())
        log.info("letter_replied", confirmation_id=letter_id, reply_id=done.get("reply_id"),
                 conclusion=reply["conclusion"], differences=len(reply["differences"]))
        return "replied"


    def _reply_path(self, letter_id: str) -> Path:
        return self.handled.path.parent / "replies" / f"{letter_id}.json"

    def _kept_reply(self, letter_id: str) -> tuple[dict[str, Any], bytes] | None:
        """The reply made for `letter_id` before a crash, if any (blocking: in a thread)."""
        try:
            kept = json.loads(self._reply_path(letter_id).read_text("utf-8"))
            return kept["reply"], base64.b64decode(kept["pdf"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise StateCorrupt(f"{self._reply_path(letter_id)}: {e}") from e


def _today(now: datetime) -> date:
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(CHINA).date()

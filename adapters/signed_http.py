"""Signed POSTs to a receiver the hub pushes to (banks, audit software): the confirmation a push
message names, HMAC, retry verdicts."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping

import aiohttp

from hub.domain.errors import PermanentError, TransientError
from hub.domain.model import Confirmation
from hub.domain.text import inert
from hub.ports import Envelope, UnitOfWork

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Answers worth trying again later; any other non-2xx answer is final."""


async def pushed_confirmation(envelope: Envelope, uow: UnitOfWork) -> Confirmation:
    """The confirmation a push message is about; PermanentError (parked) if there is none."""
    cid = str(envelope.data["confirmation_id"])
    c = await uow.confirmations.get(cid, None)
    if c is None:
        raise PermanentError(f"confirmation {cid} does not exist")
    return c


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """X-Hub-Signature: HMAC-SHA256 over "<timestamp>." + body, in hex after "sha256="."""
    mac = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


async def post_signed(
    url: str, body: bytes, *, secret: bytes, message_id: str, timestamp: str, party: str,
    timeout_seconds: float, headers: Mapping[str, str] | None = None,
    session: Callable[[], aiohttp.ClientSession] | None = None, echo: bool = True,
) -> str:
    """POST `body` as JSON with X-Hub-Timestamp, X-Hub-Signature and X-Hub-Message-Id (the
    same on every retry, so the receiver can drop duplicates); the answer's text on a 2xx.

    TransientError for a timeout, a connection error, 408/425/429 or a 5xx (retry later);
    PermanentError for any other answer (redirects are not followed: the signed body goes
    only where it was registered to go). `party` names the receiver in those errors; `echo`
    quotes the start of its answer there too (not for receivers a tenant chose, whose answers
    may come from anywhere).
    """
    sent = {"Content-Type": "application/json", "X-Hub-Timestamp": timestamp,
            "X-Hub-Signature": signature(secret, timestamp, body),
            "X-Hub-Message-Id": message_id, **(headers or {})}
    client = session() if session else aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds))
    try:
        async with client.post(url, data=body, headers=sent, allow_redirects=False) as resp:
            text = await resp.text(errors="replace")
            said = f": {inert(text[:200])}" if echo and text else ""
            if resp.status in TRANSIENT_STATUSES:
                raise TransientError(f"{party} answered {resp.status}{said}")
            if not 200 <= resp.status < 300:
                raise PermanentError(f"{party} refused the message with {resp.status}{said}")
            return text
    except (aiohttp.ClientError, TimeoutError) as e:
        raise TransientError(f"{party}'s endpoint is unreachable: {e!r}") from e
    finally:
        await client.close()

"""The hub's bank inbox API as the reference bank calls it: list, fetch, receipt, return, reply."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import structlog

from hub.domain.errors import HubError

__all__ = ["HubApiError", "HubInboxClient"]

log = structlog.get_logger(__name__)

Item = dict[str, Any]
"""An inbox item: the letter's id, number, type, 基准日, SHA-256, customer, status, letter JSON."""


class HubApiError(HubError):
    """The hub refused a call (problem+json `detail`, `errors`), or could not be reached.

    `status` is the HTTP status, or None when no answer came (connection failed, timed out).
    """

    code = "hub_api_error"

    def __init__(self, status: int | None, detail: str, *,
                 errors: list[dict[str, str]] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.errors = errors or []
        field = self.errors[0].get("field") if self.errors else None
        super().__init__(f"hub answered {status or 'nothing'}: {detail}", field=field)

    @property
    def transient(self) -> bool:
        """Worth trying again later: no answer, a server error, or too many requests."""
        return self.status is None or self.status >= 500 or self.status == 429


Request = Callable[[], Mapping[str, Any]]
"""Keyword arguments of one attempt of a request (made anew: a multipart body is used once)."""


class HubInboxClient:
    """The hub's bank API (`/api/v1/inbox`), authenticated as a bank_operator.

    Connection failures, time-outs, 429 and 5xx answers are retried `attempts` times in all,
    waiting `backoff` seconds doubled each time (at most `max_backoff`) with random jitter;
    then HubApiError is raised. A 4xx answer raises HubApiError at once.
    """

    def __init__(self, base_url: str, api_key: str, session: aiohttp.ClientSession, *,
                 attempts: int = 4, backoff: float = 0.5, max_backoff: float = 8.0) -> None:
        self._base = base_url.rstrip("/") + "/api/v1/inbox"
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._session = session
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._max_backoff = max_backoff

    def __repr__(self) -> str:  # never the key
        return f"HubInboxClient({self._base!r})"

    async def waiting(self, limit: int = 50, *, new_only: bool = False) -> list[Item]:
        """The letters not yet returned or replied to (`new_only`: not yet acknowledged),
        oldest first as the hub lists them."""
        which = "new" if new_only else "waiting"
        body = await self._json("GET", "", lambda: {
            "params": {"status": which, "limit": str(limit)}})
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise HubApiError(200, "the inbox listing has no `items` array")
        return [i for i in items if isinstance(i, dict)]

    async def item(self, confirmation_id: str) -> Item:
        """One letter of the inbox."""
        return await self._item("GET", f"/{confirmation_id}", dict)

    async def letter_pdf(self, confirmation_id: str) -> bytes:
        """The signed letter PDF, as the hub holds it (its SHA-256 is the item's letter_sha256)."""
        return await self._call("GET", f"/{confirmation_id}/letter.pdf", dict, _read_bytes)

    async def receipt(self, confirmation_id: str) -> Item:
        """Acknowledge receipt (idempotent): the item, delivered, with received_at."""
        return await self._item("POST", f"/{confirmation_id}/receipt", lambda: {"json": {}})

    async def return_letter(self, confirmation_id: str, reason_code: str, reason: str) -> Item:
        """Return the letter (退函) with a reason: the item, status returned, `late` set."""
        payload = {"reason_code": reason_code, "reason": reason}
        return await self._item("POST", f"/{confirmation_id}/return", lambda: {"json": payload})

    async def reply(self, confirmation_id: str, pdf: bytes,
                    data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Upload the signed reply PDF and its data (reply.bank.v1): {"reply_id", "status"}.

        Uploading the same reply again gives the same reply_id, so a retry is safe.
        """
        encoded = json.dumps(data, ensure_ascii=False).encode() if data is not None else None

        def form() -> Mapping[str, Any]:
            parts = aiohttp.FormData()
            parts.add_field("reply.pdf", pdf, content_type="application/pdf",
                            filename="reply.pdf")
            if encoded is not None:
                parts.add_field("reply.json", encoded, content_type="application/json",
                                filename="reply.json")
            return {"data": parts}

        return await self._item("POST", f"/{confirmation_id}/reply", form)

    async def _item(self, method: str, path: str, request: Request) -> Item:
        body = await self._json(method, path, request)
        if not isinstance(body, dict):
            raise HubApiError(200, f"{method} {path}: expected a JSON object")
        return body

    async def _json(self, method: str, path: str, request: Request) -> Any:
        return await self._call(method, path, request, _read_json)

    async def _call(self, method: str, path: str, request: Request,
                    read: Callable[[aiohttp.ClientResponse], Any]) -> Any:
        url = self._base + path
        for attempt in range(1, self._attempts + 1):
            try:
                async with self._session.request(method, url, headers=self._headers,
                                                 **request()) as resp:
                    if resp.status >= 400:
                        raise await _problem(resp)
                    return await read(resp)
            except HubApiError as e:
                failure = e
            except (aiohttp.ClientError, TimeoutError) as e:
                failure = HubApiError(None, f"{method} {url}: {type(e).__name__}: {e}")
            if not failure.transient or attempt == self._attempts:
                raise failure
            delay = min(self._max_backoff, self._backoff * 2 ** (attempt - 1))
            log.warning("hub_call_retry", method=method, path=path, attempt=attempt,
                        status=failure.status, detail=failure.detail)
            await asyncio.sleep(random.uniform(delay / 2, delay))
        raise AssertionError("unreachable")  # pragma: no cover


async def _read_json(resp: aiohttp.ClientResponse) -> Any:
    try:
        return await resp.json(content_type=None)
    except (ValueError, UnicodeDecodeError) as e:
        raise HubApiError(resp.status, f"the hub's answer is not JSON: {e}") from e


async def _read_bytes(resp: aiohttp.ClientResponse) -> bytes:
    return await resp.read()


async def _problem(resp: aiohttp.ClientResponse) -> HubApiError:
    """The error a problem+json answer describes (or the start of any other body)."""
    text = await resp.text(errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        faults = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        detail = body.get("detail") or body.get("title") or resp.reason or ""
        return HubApiError(resp.status, str(detail),
                           errors=[{k: str(v) for k, v in f.items()} for f in faults])
    return HubApiError(resp.status, text[:200] or str(resp.reason or ""))

"""Group commit of submissions: requests that arrive together share one unit of work."""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass

import structlog

from hub.domain import commands
from hub.domain.errors import HubError
from hub.services.handlers import Submitted, submit_confirmations
from hub.services.messagebus import MessageBus

log = structlog.get_logger(__name__)


@dataclass
class _Pending:
    cmd: commands.SubmitConfirmation
    answer: asyncio.Future[Submitted]


class Submissions:
    """Takes SubmitConfirmation commands and commits them in batches.

    No timer and no waiting: a submission that finds no batch running starts one at once.
    Submissions that arrive while a batch is running queue up, and the next batch takes up to
    `max_batch` of them together: one transaction, one statement per table, one commit. (Two
    batches at once measured no faster on PostgreSQL and slower on SQLite.) So an idle hub
    answers as fast as before, and a busy one spends a transaction per batch instead of per
    letter. Every caller gets the answer it would have got alone: a command the domain refuses
    fails by itself, and if the batch's writes collide with a unique key, or the batch fails in
    any other way, each of its commands is run again alone.
    """

    def __init__(self, bus: MessageBus, *, max_batch: int = 64) -> None:
        self._bus = bus
        self._max_batch = max(1, max_batch)
        self._queue: list[_Pending] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, cmd: commands.SubmitConfirmation) -> Submitted:
        """Submit one command; its Submitted, or the error its handler raised."""
        if self._max_batch == 1:
            result: Submitted = await self._bus.handle(cmd)
            return result
        answer: asyncio.Future[Submitted] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(cmd, answer))
        if self._drainer is None or self._drainer.done():
            # A clean context: the batch serves many requests, not the one that started it.
            self._drainer = asyncio.create_task(self._drain(), context=contextvars.Context())
        return await answer

    async def close(self) -> None:
        """Wait for the batches in flight (the callers waiting on them are answered)."""
        if self._drainer is not None:
            await asyncio.gather(self._drainer, return_exceptions=True)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
            try:
                await self._commit(batch)
            except asyncio.CancelledError:  # the loop is closing: no caller may wait for ever
                left, self._queue = batch + self._queue, []
                for p in left:
                    _answer(p, error=asyncio.CancelledError())
                raise
            except Exception as e:  # _commit answers each itself; this is the last resort
                log.exception("submission_batch_failed", size=len(batch))
                for p in batch:
                    _answer(p, error=e)

    async def _commit(self, batch: list[_Pending]) -> None:
        if len(batch) == 1:
            await self._alone(batch[0])
            return
        bus = self._bus
        try:
            async with bus.uow_factory() as uow:
                outcomes = await submit_confirmations([p.cmd for p in batch], uow, bus.deps)
                await uow.commit()
        except Exception as e:
            log.info("submission_batch_split", size=len(batch),
                     reason=f"{type(e).__name__}: {e}")
            await asyncio.gather(*(self._alone(p) for p in batch))
            return
        for p, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, HubError):
                _answer(p, error=outcome)
            else:
                _answer(p, result=outcome)

    async def _alone(self, p: _Pending) -> None:
        try:
            result = await self._bus.handle(p.cmd)
        except Exception as e:
            _answer(p, error=e)
        else:
            _answer(p, result=result)


def _answer(p: _Pending, *, result: Submitted | None = None,
            error: BaseException | None = None) -> None:
    if p.answer.done():  # the caller went away (its request was cancelled)
        return
    if isinstance(error, asyncio.CancelledError):
        p.answer.cancel()
    elif error is not None:
        p.answer.set_exception(error)
    else:
        assert result is not None
        p.answer.set_result(result)

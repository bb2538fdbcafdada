"""Signing and validating off the event loop, in a thread and in a worker process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from signing import Level, LocalTsa, SignJob, sign_off_loop, validate_off_loop
from signing.render import render_text
from tests.signing.conftest import Dev


def executor_for(kind: str) -> Executor:
    if kind == "thread":
        return ThreadPoolExecutor(1)
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


@pytest.mark.parametrize("kind", ["thread", "process"])
async def test_sign_off_loop(dev: Dev, letter: bytes, kind: str) -> None:
    job = SignJob(
        store=dev.store, alias="firm", level=Level.B_LTA, tsa=LocalTsa(dev.store), field_name="Firm"
    )
    with executor_for(kind) as executor:
        first = await sign_off_loop(letter, job, executor)
        second = await sign_off_loop(
            first, SignJob(dev.store, "company", tsa=dev.tsa_url), executor
        )

    with executor_for(kind) as executor:
        report = await validate_off_loop(
            second, executor, trust_roots=dev.pki.trust_roots(), allow_fetching=True
        )
    assert report.ok, render_text(report)
    assert [s.field_name for s in report.signatures][::2] == ["Firm", "Signature1"]

"""The reference bank as a service: it returns or answers a (fake) hub's letters, once each."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import schemas
from adapters.bank_sim import (
    BankSigner,
    BankSimSettings,
    HubApiError,
    HubInboxClient,
    create_bank_app,
)
from adapters.bank_sim.service import STATE_FILE
from adapters.bank_sim.worker import CHINA
from hub.domain.uscc import make_uscc
from signing import SignatureKind, devpki, validate_pdf
from signing.devpki import DevPki
from tests.bank_sim.fakehub import (
    LETTER_TYPES,
    FakeHub,
    serve,
    signed_headers,
    wait_for,
)
from tests.conftest import free_port

NOW = datetime(2026, 1, 14, 10, 30, tzinfo=CHINA)
SECRET = "push-secret-for-tests"
BANK_NAME = "京华商业银行股份有限公司北京分行"


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    """The hub's development PKI (the bank's certificate is issued in it on first use)."""
    return devpki.init(tmp_path_factory.mktemp("pki"))


@pytest.fixture
async def hub() -> AsyncIterator[tuple[FakeHub, str]]:
    fake = FakeHub()
    server = await serve(fake.app())
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
def settings(hub: tuple[FakeHub, str], pki: DevPki, tmp_path: Path) -> BankSimSettings:
    fake, url = hub
    return BankSimSettings(hub_url=url, api_key=fake.api_key, pki_dir=pki.directory,
                           data_dir=tmp_path / "bank", poll_seconds=0.05, push_secret=SECRET,
                           clock=clock)


class Bank:
    """A running bank app, and an HTTP client to it."""

    def __init__(self, server: TestServer, http: aiohttp.ClientSession) -> None:
        self.server, self.http = server, http

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def push(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url("/letters"), data=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    async def close(self) -> None:
        await self.http.close()
        await self.server.close()


async def start(settings: BankSimSettings) -> Bank:
    server = await serve(create_bank_app(settings))
    return Bank(server, aiohttp.ClientSession())


@pytest.fixture
async def bank(settings: BankSimSettings) -> AsyncIterator[Bank]:
    running = await start(settings)
    try:
        yield running
    finally:
        await running.close()


def bank_certificate_sha256(pki: DevPki) -> str:
    cert = x509.load_pem_x509_certificate(pki.certificate_path("bank-sim").read_bytes())
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


async def assert_signed_by_the_bank(pdf: bytes, pki: DevPki) -> None:
    report = await validate_pdf(pdf, trust_roots=pki.trust_roots(), allow_fetching=False,
                                crls=pki.crls())
    assert report.ok, [p.message for s in report.signatures for p in s.problems]
    [signature] = [s for s in report.signatures if s.kind is SignatureKind.SIGNATURE]
    assert signature.field_name == "BankSeal"
    assert signature.certificate_sha256 == bank_certificate_sha256(pki)
    assert BANK_NAME in signature.signer
    assert signature.timestamp is not None and signature.timestamp.trusted


# ------------------------------------------------------------------------------ answers


async def test_the_example_letters_are_answered_with_signed_bound_replies(
    hub: tuple[FakeHub, str], bank: Bank, pki: DevPki
) -> None:
    fake, _ = hub
    items = [fake.add(letter_type) for letter_type in LETTER_TYPES]

    await wait_for(lambda: all(fake.uploads.get(i["id"]) for i in items), within=60)

    for item in items:
        [upload] = fake.uploads[item["id"]]
        assert fake.receipts[item["id"]] == 1
        assert upload.data is not None
        schemas.validate("reply.bank.v1", upload.data)
        assert upload.data["letter_number"] == item["letter_number"]
        assert upload.data["letter_sha256"] == item["letter_sha256"]
        assert upload.data["letter_type"] == item["letter_type"]
        assert upload.data["replied_on"] == "2026-01-14"
        assert upload.data["conclusion"] == "agreed"
        assert upload.pdf.startswith(b"%PDF-")
        await assert_signed_by_the_bank(upload.pdf, pki)
        assert fake.items[item["id"]]["status"] == "replied"
    assert not fake.returns


async def test_a_letter_for_an_unknown_customer_is_returned_with_the_reason(
    hub: tuple[FakeHub, str], bank: Bank
) -> None:
    fake, _ = hub
    stranger = {"name": "北京某某无关科技有限公司", "uscc": make_uscc("91110108MA01XXXX0")}
    item = fake.add("bank_format1", customer=stranger)

    await wait_for(lambda: item["id"] in fake.returns)

    [returned] = fake.returns[item["id"]]
    assert returned["reason_code"] == "customer_unknown"
    assert stranger["uscc"] in returned["reason"]
    assert fake.receipts[item["id"]] == 1  # received first, then returned
    assert item["id"] not in fake.uploads


async def test_every_reason_is_given_in_the_return_and_the_first_names_the_code(
    hub: tuple[FakeHub, str], bank: Bank
) -> None:
    fake, _ = hub
    letter = schemas.example("confirmation_request.bank_format1")["letter"]
    letter["responder"]["uscc"] = make_uscc("91110000MA00WXYY0")  # addressed to another bank
    stranger = {"name": "北京某某无关科技有限公司", "uscc": make_uscc("91110108MA01XXXX0")}
    item = fake.add("bank_format1", letter=letter, customer=stranger)

    await wait_for(lambda: item["id"] in fake.returns)

    [returned] = fake.returns[item["id"]]
    assert returned["reason_code"] == "wrong_bank"
    assert "不是本行" in returned["reason"] and stranger["uscc"] in returned["reason"]


async def test_a_letter_whose_pdf_does_not_match_its_sha256_is_not_answered(
    hub: tuple[FakeHub, str], bank: Bank
) -> None:
    fake, _ = hub
    bad = fake.add("bank_format1", sha256="0" * 64)
    good = fake.add("bank_capital")

    await wait_for(lambda: bool(fake.uploads.get(good["id"])), within=60)
    listed = fake.listings
    await wait_for(lambda: fake.listings >= listed + 3)

    assert fake.downloads[bad["id"]] == 1  # refused once, then left alone
    assert bad["id"] not in fake.receipts
    assert bad["id"] not in fake.uploads and bad["id"] not in fake.returns
    assert fake.items[bad["id"]]["status"] == "dispatched"


async def test_a_restarted_bank_does_not_answer_a_letter_twice(
    hub: tuple[FakeHub, str], settings: BankSimSettings, tmp_path: Path
) -> None:
    fake, _ = hub
    item = fake.add("bank_format2")
    first = await start(settings)
    try:
        await wait_for(lambda: item["id"] in (settings.data_dir / STATE_FILE).read_text()
                       if (settings.data_dir / STATE_FILE).exists() else False, within=60)
    finally:
        await first.close()
    fake.keep_waiting = True  # the hub still lists it: only the bank's memory stops it

    again = await start(settings)
    try:
        listed = fake.listings
        await wait_for(lambda: fake.listings >= listed + 5)
    finally:
        await again.close()
    assert len(fake.uploads[item["id"]]) == 1
    assert fake.receipts[item["id"]] == 1

    # Without its memory the bank would answer again: what the state file prevents.
    forgetful = await start(replace(settings, data_dir=tmp_path / "other"))
    try:
        await wait_for(lambda: len(fake.uploads[item["id"]]) == 2, within=60)
    finally:
        await forgetful.close()


async def test_a_bank_killed_before_it_recorded_its_answer_sends_the_same_reply_again(
    hub: tuple[FakeHub, str], settings: BankSimSettings
) -> None:
    """The reply is kept before it is sent: a bank that sent it and died before it noted the
    letter as handled sends the very same bytes again, which the hub takes as one reply."""
    fake, _ = hub
    item = fake.add("bank_format2")
    state = settings.data_dir / STATE_FILE
    first = await start(settings)
    try:
        await wait_for(lambda: item["id"] in state.read_text() if state.exists() else False,
                       within=60)
    finally:
        await first.close()
    state.write_text(json.dumps({"letters": {}}))  # as if killed just before it recorded
    fake.keep_waiting = True
    fake.items[item["id"]]["status"] = "delivered"

    again = await start(settings)
    try:
        await wait_for(lambda: item["id"] in state.read_text(), within=60)
    finally:
        await again.close()
    assert len(fake.uploads[item["id"]]) == 1  # the same PDF both times: one reply


# ------------------------------------------------------------------------------ push


async def test_a_pushed_letter_is_received_and_answered(
    hub: tuple[FakeHub, str], settings: BankSimSettings, pki: DevPki
) -> None:
    fake, _ = hub
    bank = await start(replace(settings, poll_seconds=3600))  # only a push wakes it
    try:
        await wait_for(lambda: fake.listings >= 1)
        item = fake.add("bank_capital")
        body = fake.push_body(item)

        status, answer = await bank.push(body, signed_headers(SECRET, body,
                                                              at=NOW.timestamp()))
        assert status == 202, answer
        again = await bank.push(body, signed_headers(SECRET, body, at=NOW.timestamp()))
        assert again == (202, answer)  # a re-delivery gets the same receipt
        await wait_for(lambda: bool(fake.uploads.get(item["id"])), within=60)
    finally:
        await bank.close()
    assert len(answer["receipt_id"]) == 36
    assert fake.downloads.get(item["id"]) is None  # the pushed PDF was used
    [upload] = fake.uploads[item["id"]]
    assert upload.data is not None and upload.data["letter_sha256"] == item["letter_sha256"]
    await assert_signed_by_the_bank(upload.pdf, pki)


async def test_pushes_not_signed_by_the_hub_or_stale_are_refused(
    hub: tuple[FakeHub, str], bank: Bank
) -> None:
    fake, _ = hub
    item = fake.add("bank_format1")
    fake.items.pop(item["id"])  # the worker must not find it by polling
    body = fake.push_body(item)
    now = NOW.timestamp()

    wrong_key = await bank.push(body, signed_headers("another secret", body, at=now))
    changed = await bank.push(body.replace(b"MC-", b"MX-"), signed_headers(SECRET, body, at=now))
    stale = await bank.push(body, signed_headers(SECRET, body, at=now - 301))
    future = await bank.push(body, signed_headers(SECRET, body, at=now + 301))
    unsigned = await bank.push(body, {"Content-Type": "application/json"})
    in_window = await bank.push(body, signed_headers(SECRET, body, at=now - 299))

    for status, problem in (wrong_key, changed, stale, future, unsigned):
        assert status == 401, problem
        assert problem["detail"]
    assert in_window[0] == 202


async def test_a_push_whose_pdf_does_not_match_is_refused(
    hub: tuple[FakeHub, str], bank: Bank
) -> None:
    fake, _ = hub
    item = fake.add("bank_format1")
    fake.items.pop(item["id"])
    data = json.loads(fake.push_body(item))
    data["letter_sha256"] = "0" * 64
    body = json.dumps(data).encode()

    status, problem = await bank.push(body, signed_headers(SECRET, body, at=NOW.timestamp()))

    assert status == 422
    assert problem["errors"][0]["field"] == "/letter_pdf"


async def test_a_bank_that_is_down_answers_503_until_it_is_up(
    hub: tuple[FakeHub, str], bank: Bank
) -> None:
    fake, _ = hub
    item = fake.add("bank_format1")
    fake.items.pop(item["id"])
    body = fake.push_body(item)
    at = NOW.timestamp()
    async with bank.http.post(bank.url("/admin/down"), data=b"",
                              headers=signed_headers(SECRET, b"", at=at)) as resp:
        assert resp.status == 200

    down = await bank.push(body, signed_headers(SECRET, body, at=at))
    async with bank.http.get(bank.url("/healthz")) as resp:
        health = await resp.json()
    async with bank.http.post(bank.url("/admin/up"), data=b"",
                              headers=signed_headers(SECRET, b"", at=at)) as resp:
        assert resp.status == 200
    up = await bank.push(body, signed_headers(SECRET, body, at=at))

    assert down[0] == 503 and health["down"] is True
    assert up[0] == 202


async def test_a_bank_started_down_refuses_pushes_and_unsigned_switches(
    settings: BankSimSettings,
) -> None:
    bank = await start(replace(settings, down=True))
    try:
        status, _ = await bank.push(b"{}", signed_headers(SECRET, b"{}", at=NOW.timestamp()))
        async with bank.http.post(bank.url("/admin/up")) as resp:
            switched = resp.status
        async with bank.http.get(bank.url("/healthz")) as resp:
            health = await resp.json()
    finally:
        await bank.close()
    assert status == 503
    assert switched == 401
    assert health == {"status": "ok", "down": True, "running": True, "handled": 0}


# ------------------------------------------------------------------------------ client


async def test_the_client_retries_server_errors_then_succeeds(hub: tuple[FakeHub, str]) -> None:
    fake, url = hub
    item = fake.add("bank_format1")
    fake.failures = [503, 502]
    async with aiohttp.ClientSession() as session:
        client = HubInboxClient(url, fake.api_key, session, backoff=0.01)
        found = await client.item(item["id"])
    assert found["letter_number"] == item["letter_number"]
    assert fake.failures == []


async def test_the_client_gives_up_after_its_attempts(hub: tuple[FakeHub, str]) -> None:
    fake, url = hub
    fake.failures = [503] * 10
    async with aiohttp.ClientSession() as session:
        client = HubInboxClient(url, fake.api_key, session, attempts=3, backoff=0.01)
        with pytest.raises(HubApiError) as failed:
            await client.waiting()
    assert failed.value.status == 503 and failed.value.transient
    assert len(fake.failures) == 7
    async with aiohttp.ClientSession() as session:
        nowhere = HubInboxClient(f"http://127.0.0.1:{free_port()}", "k", session, attempts=2,
                                 backoff=0.01)
        with pytest.raises(HubApiError) as unreachable:
            await nowhere.waiting()
    assert unreachable.value.status is None and unreachable.value.transient


async def test_the_client_reports_refusals_with_status_detail_and_field(
    hub: tuple[FakeHub, str]
) -> None:
    fake, url = hub
    item = fake.add("bank_format1")
    async with aiohttp.ClientSession() as session:
        wrong = HubInboxClient(url, "not-the-key", session, backoff=0.01)
        with pytest.raises(HubApiError) as unauthenticated:
            await wrong.receipt(item["id"])
        fake.failures = [422]
        client = HubInboxClient(url, fake.api_key, session, backoff=0.01)
        with pytest.raises(HubApiError) as invalid:
            await client.return_letter(item["id"], "x", "y")
    assert unauthenticated.value.status == 401
    assert unauthenticated.value.detail == "no valid API key"
    assert not unauthenticated.value.transient
    assert fake.receipts == {}
    assert invalid.value.status == 422 and fake.returns == {}


# ------------------------------------------------------------------------------ signer, CLI


def test_the_signer_keeps_its_certificate_across_loads(pki: DevPki) -> None:
    first = BankSigner.from_pki(pki.directory, "bank-sim", bank_name=BANK_NAME)
    second = BankSigner.from_pki(pki.directory, "bank-sim", bank_name="another name")
    assert first.certificate_pem == second.certificate_pem
    assert first.certificate_pem == pki.certificate_path("bank-sim").read_text()


HUB = str(Path(sys.executable).parent / "hub")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}


def test_the_cli_prints_the_bank_certificate(pki: DevPki, tmp_path: Path) -> None:
    done = subprocess.run([HUB, "bank-sim", "--pki-dir", str(pki.directory), "--alias",
                           "cli-bank", "--print-certificate"], capture_output=True, text=True,
                          timeout=60, env=_env(), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    cert = x509.load_pem_x509_certificate(done.stdout.encode())
    assert done.stdout.startswith("-----BEGIN CERTIFICATE-----")
    assert BANK_NAME in cert.subject.rfc4514_string()
    assert done.stdout == pki.certificate_path("cli-bank").read_text()


def test_the_cli_without_a_pki_or_a_key_says_so(tmp_path: Path) -> None:
    no_pki = subprocess.run([HUB, "bank-sim", "--pki-dir", str(tmp_path / "none"),
                             "--print-certificate"], capture_output=True, text=True, timeout=60,
                            env=_env(), cwd=tmp_path)
    no_key = subprocess.run([HUB, "bank-sim"], capture_output=True, text=True, timeout=60,
                            env=_env(), cwd=tmp_path)
    assert no_pki.returncode == 2 and "not a development PKI" in no_pki.stderr
    assert no_key.returncode == 2 and "HUB_BANK_SIM_API_KEY" in no_key.stderr


@pytest.fixture
def bank_process(pki: DevPki, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    env = {**_env(), "HUB_BANK_SIM_API_KEY": "key-from-env"}
    proc = subprocess.Popen(
        [HUB, "bank-sim", "--hub-url", f"http://127.0.0.1:{free_port()}", "--pki-dir",
         str(pki.directory), "--data-dir", str(tmp_path / "bank"), "--port", str(port),
         "--poll-seconds", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_the_cli_serves_until_sigterm_then_exits_0(
    bank_process: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = bank_process
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            assert proc.poll() is None, proc.communicate()
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    health = await resp.json()
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the bank did not start")
    assert health["running"] is True

    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.to_thread(proc.communicate, timeout=30)

    assert proc.returncode == 0, err
    assert "listening" in err


def test_replied_on_is_the_date_in_china() -> None:
    from adapters.bank_sim.worker import _today

    assert _today(datetime.fromisoformat("2026-01-13T17:00:00+00:00")) == date(2026, 1, 14)
    assert _today(datetime.fromisoformat("2026-01-13T15:59:00+00:00")) == date(2026, 1, 13)


async def test_polls_ask_only_for_new_letters_and_a_restart_reads_the_whole_inbox(
    hub: tuple[FakeHub, str], settings: BankSimSettings
) -> None:
    """A letter the bank acknowledged but had not answered when it stopped is not new any
    more: the restarted bank's first listing is the whole inbox, so it is answered."""
    fake, _ = hub
    item = fake.add("bank_format1")
    item["status"] = "delivered"  # acknowledged by the bank's previous run
    bank = await start(settings)
    try:
        await wait_for(lambda: bool(fake.uploads.get(item["id"])), within=60)
        listed = fake.listings
        await wait_for(lambda: fake.listings >= listed + 3)
    finally:
        await bank.close()
    assert fake.asked[0] == "waiting"
    assert set(fake.asked[1:]) == {"new"}  # then only what is not acknowledged yet

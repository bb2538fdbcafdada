"""Signing test fixtures: a dev PKI per session with its CRL/TSA server, a foreign PKI, pdfsig."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from signing import LocalTimeStamper, PemKeyStore, TimeStampAuthority, create_pki_app, devpki
from signing.devpki import DevPki, Subject
from tests.conftest import free_port
from tests.signing._pdfs import make_letter

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
P12_PASSWORD = b"dev-p12-secret"
SHORT_LIVED = "short-lived"
REVOKED = "revoked"


class _ServerThread:
    """An aiohttp app served from its own thread and event loop for the whole session."""

    def __init__(self, app: web.Application, port: int) -> None:
        self._app, self._port = app, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._runner: web.AppRunner | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self._app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> _ServerThread:
        self._thread.start()
        assert self._ready.wait(10), "PKI server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@dataclass(frozen=True)
class Dev:
    """The session's development PKI, its keys, its TSA and where it is served."""

    pki: DevPki
    store: PemKeyStore
    tsa: TimeStampAuthority
    now: datetime

    @property
    def stamper(self) -> LocalTimeStamper:
        return LocalTimeStamper(self.tsa)

    @property
    def tsa_url(self) -> str:
        return f"{self.pki.base_url}/tsa"


@pytest.fixture(scope="session")
def session_now() -> datetime:
    """The time the PKIs are made at; validation times in the tests are set relative to it."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory, session_now: datetime) -> Iterator[Dev]:
    port = free_port()
    pki = devpki.init(
        tmp_path_factory.mktemp("pki"),
        base_url=f"http://127.0.0.1:{port}/pki",
        now=session_now,
        pkcs12_password=P12_PASSWORD,
    )
    org = "示例科技股份有限公司"
    devpki.issue(
        pki, Subject(SHORT_LIVED, "短期签章", org), now=session_now, validity=timedelta(days=1)
    )
    devpki.issue(pki, Subject(REVOKED, "已吊销签章", org), now=session_now)
    devpki.revoke(pki, REVOKED, now=session_now)
    store = pki.key_store()
    tsa = asyncio.run(TimeStampAuthority.from_key_store(store, "tsa"))
    app = web.Application()
    app.add_subapp("/pki", create_pki_app(pki, tsa=tsa))
    with _ServerThread(app, port):
        yield Dev(pki, store, tsa, session_now)


@pytest.fixture(scope="session")
def foreign(tmp_path_factory: pytest.TempPathFactory, session_now: datetime) -> DevPki:
    """A second, independent PKI: same names, other keys; nobody trusts its root."""
    return devpki.init(
        tmp_path_factory.mktemp("foreign-pki"),
        base_url=f"http://127.0.0.1:{free_port()}/pki",
        now=session_now,
    )


@pytest.fixture
def letter() -> bytes:
    return make_letter()


@dataclass(frozen=True)
class PdfsigEntry:
    """One ``Signature #n`` block of pdfsig's output."""

    field: str
    kind: str
    signature: str
    certificate: str
    total: bool


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install poppler-utils libnss3-tools)"
        if UNDER_CI:
            pytest.fail(message + "; CI must have it", pytrace=False)
        pytest.skip(message)
    return path


def _parse_pdfsig(output: str) -> list[PdfsigEntry]:
    entries = []
    for block in re.split(r"^Signature #\d+:$", output, flags=re.M)[1:]:

        def field(label: str, text: str = block) -> str:
            found = re.search(rf"^\s+- {label}: (.*)$", text, flags=re.M)
            return found.group(1).strip() if found else ""

        entries.append(
            PdfsigEntry(
                field=field("Signature Field Name"),
                kind=field("Signature Type"),
                signature=field("Signature Validation"),
                certificate=field("Certificate Validation"),
                total="- Total document signed" in block,
            )
        )
    return entries


Pdfsig = Callable[[bytes], list[PdfsigEntry]]


def make_pdfsig(root: Path, workdir: Path) -> Pdfsig:
    """Poppler's pdfsig with an NSS database in `workdir` that trusts only the `root`
    certificate (a PEM or DER file): the independent validator of the tests."""
    pdfsig_bin, certutil = _tool("pdfsig"), _tool("certutil")
    nss = workdir / "nss"
    nss.mkdir(parents=True, exist_ok=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run([certutil, "-A", "-d", f"sql:{nss}", "-n", "hub-dev-root", "-t", "C,C,C",
                    "-i", str(root)], check=True)

    def run(pdf: bytes) -> list[PdfsigEntry]:
        path = Path(workdir, f"doc-{len(list(workdir.glob('doc-*.pdf')))}.pdf")
        path.write_bytes(pdf)
        done = subprocess.run([pdfsig_bin, "-nssdir", f"sql:{nss}", str(path)],
                              capture_output=True, text=True, timeout=60)
        entries = _parse_pdfsig(done.stdout)
        assert entries, f"pdfsig found no signature: {done.stdout}{done.stderr}"
        return entries

    return run


@pytest.fixture(scope="session")
def pdfsig(dev: Dev, tmp_path_factory: pytest.TempPathFactory) -> Pdfsig:
    """Runs poppler's pdfsig with an NSS database that trusts only the dev root."""
    return make_pdfsig(dev.pki.certificate_path(devpki.ROOT), tmp_path_factory.mktemp("pdfsig"))

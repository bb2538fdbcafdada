"""Key stores: where signing keys live (PEM or PKCS#12 files, later an HSM), loaded once."""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from asn1crypto import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.sign.signers.pdf_cms import Signer

from signing._signer import CachedKeySigner
from signing.errors import KeyNotFoundError, KeyStoreError

__all__ = [
    "KeyStore",
    "PemEntry",
    "PemKeyStore",
    "Pkcs11KeyStore",
    "Pkcs12Entry",
    "Pkcs12KeyStore",
]


@runtime_checkable
class KeyStore(Protocol):
    """Gives signers by alias; the private key itself never leaves the store."""

    async def signer(self, alias: str) -> Signer:
        """A pyHanko signer for the key under ``alias`` (cached: cheap to call per document)."""
        ...

    async def certificate(self, alias: str) -> x509.Certificate:
        """The signing certificate under ``alias``."""
        ...

    async def chain(self, alias: str) -> tuple[x509.Certificate, ...]:
        """The issuing certificates of ``alias``'s certificate, nearest first."""
        ...


@dataclass(frozen=True)
class _Loaded:
    signer: CachedKeySigner
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


_E = TypeVar("_E")


class _CachingKeyStore(ABC, Generic[_E]):
    """Loads each alias once (in a worker thread) and keeps the parsed key object."""

    def __init__(self, entries: Mapping[str, _E]) -> None:
        self._entries: dict[str, _E] = dict(entries)
        self._cache: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def aliases(self) -> tuple[str, ...]:
        """The aliases this store can sign with."""
        return tuple(self._entries)

    @abstractmethod
    def _load(self, alias: str) -> _Loaded:
        """Read and parse the entry for ``alias`` (blocking; runs in a thread)."""

    def _get_blocking(self, alias: str) -> _Loaded:
        with self._lock:
            loaded = self._cache.get(alias)
            if loaded is None:
                if alias not in self.aliases():
                    raise KeyNotFoundError(f"no key under alias {alias!r}")
                loaded = self._load(alias)
                self._cache[alias] = loaded
            return loaded

    async def _get(self, alias: str) -> _Loaded:
        loaded = self._cache.get(alias)
        if loaded is not None:
            return loaded
        return await asyncio.to_thread(self._get_blocking, alias)

    async def signer(self, alias: str) -> Signer:
        return (await self._get(alias)).signer

    async def certificate(self, alias: str) -> x509.Certificate:
        return (await self._get(alias)).certificate

    async def chain(self, alias: str) -> tuple[x509.Certificate, ...]:
        return (await self._get(alias)).chain

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Unpickled in a worker process, a store resolves to that process's shared instance,
        # so each process reads and parses every key once, however many jobs it runs.
        return (_shared_store, (type(self), tuple(sorted(self._entries.items()))))


_SHARED: dict[tuple[type, tuple[tuple[str, Any], ...]], _CachingKeyStore[Any]] = {}
_SHARED_LOCK = threading.Lock()


def _shared_store(
    cls: type[_CachingKeyStore[Any]], items: tuple[tuple[str, Any], ...]
) -> _CachingKeyStore[Any]:
    with _SHARED_LOCK:
        store = _SHARED.get((cls, items))
        if store is None:
            store = _SHARED[(cls, items)] = cls(dict(items))
        return store


def _read(path: Path, alias: str, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise KeyStoreError(f"cannot read the {what} of {alias!r} from {path}: {e.strerror}") from e


def _certs_from_pem(data: bytes) -> list[x509.Certificate]:
    return list(load_certs_from_pemder_data(data))


@dataclass(frozen=True)
class PemEntry:
    """One alias in a :class:`PemKeyStore`."""

    key: Path
    """PEM private key (PKCS#8 or traditional, optionally encrypted)."""
    certificate: Path
    """PEM signing certificate."""
    chain: Path | None = None
    """PEM file with the issuing CA certificates, nearest first (optional)."""
    password: bytes | None = field(default=None, repr=False)
    """Password of an encrypted key; never shown."""


class PemKeyStore(_CachingKeyStore["PemEntry"]):
    """Keys in PEM files: one key, certificate and chain file per alias."""

    @classmethod
    def from_directory(cls, directory: Path, password: bytes | None = None) -> PemKeyStore:
        """Every ``ALIAS.key.pem`` beside an ``ALIAS.cert.pem`` (and ``ALIAS.chain.pem``)."""
        entries: dict[str, PemEntry] = {}
        for key in sorted(Path(directory).glob("*.key.pem")):
            alias = key.name.removesuffix(".key.pem")
            cert = key.with_name(f"{alias}.cert.pem")
            chain = key.with_name(f"{alias}.chain.pem")
            if cert.exists():
                entries[alias] = PemEntry(
                    key, cert, chain if chain.exists() else None, password=password
                )
        return cls(entries)

    def __repr__(self) -> str:
        return f"PemKeyStore(aliases={self.aliases()!r})"

    def _load(self, alias: str) -> _Loaded:
        entry = self._entries[alias]
        certs = _certs_from_pem(_read(entry.certificate, alias, "certificate"))
        if len(certs) != 1:
            raise KeyStoreError(f"{entry.certificate} must hold exactly one certificate")
        chain = tuple(_certs_from_pem(_read(entry.chain, alias, "chain"))) if entry.chain else ()
        try:
            key = load_pem_private_key(_read(entry.key, alias, "key"), entry.password)
        except (ValueError, TypeError) as e:
            raise KeyStoreError(
                f"cannot load the key of {alias!r} from {entry.key}: wrong password or damaged file"
            ) from e
        signer = CachedKeySigner(alias=alias, private_key=key, certificate=certs[0], chain=chain)
        return _Loaded(signer, certs[0], chain)


@dataclass(frozen=True)
class Pkcs12Entry:
    """One alias in a :class:`Pkcs12KeyStore`."""

    path: Path
    """The ``.p12``/``.pfx`` file: key, certificate and (usually) the CA chain."""
    password: bytes | None = field(default=None, repr=False)
    """The file's password; never shown."""


class Pkcs12KeyStore(_CachingKeyStore["Pkcs12Entry"]):
    """Keys in PKCS#12 files, one file per alias; each file is decrypted once."""

    @classmethod
    def from_directory(cls, directory: Path, password: bytes | None = None) -> Pkcs12KeyStore:
        """Every ``ALIAS.p12`` in ``directory``, all with the same password."""
        return cls(
            {
                p.name.removesuffix(".p12"): Pkcs12Entry(p, password)
                for p in sorted(Path(directory).glob("*.p12"))
            }
        )

    def __repr__(self) -> str:
        return f"Pkcs12KeyStore(aliases={self.aliases()!r})"

    def _load(self, alias: str) -> _Loaded:
        entry = self._entries[alias]
        data = _read(entry.path, alias, "PKCS#12 file")
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, entry.password)
        except (ValueError, TypeError) as e:
            raise KeyStoreError(
                f"cannot open the PKCS#12 file of {alias!r} ({entry.path}): "
                "wrong password or damaged file"
            ) from e
        if key is None or cert is None:
            raise KeyStoreError(f"{entry.path} holds no key and certificate pair")
        certificate = translate_pyca_cryptography_cert_to_asn1(cert)
        chain = tuple(translate_pyca_cryptography_cert_to_asn1(c) for c in others)
        signer = CachedKeySigner(alias=alias, private_key=key, certificate=certificate, chain=chain)
        return _Loaded(signer, certificate, chain)


class Pkcs11KeyStore:
    """Placeholder for keys in a PKCS#11 HSM (production); not implemented yet.

    The intended implementation opens one session per process with
    ``pyhanko.sign.pkcs11.open_pkcs11_session(lib_location, slot_no=..., token_label=...,
    user_pin=...)`` and returns ``pyhanko.sign.pkcs11.PKCS11Signer(session, cert_label=alias,
    key_label=alias, other_certs_to_pull=None)`` from :meth:`signer`, cached per alias; the key
    never leaves the token. It needs ``python-pkcs11`` (pyHanko's ``pkcs11`` extra). Every method
    raises :class:`KeyStoreError` until then, so a misconfiguration fails loudly, never silently.
    """

    def __init__(self, library: Path, *, token_label: str, pin: str | None = None) -> None:
        self.library = library
        self.token_label = token_label
        self.__pin = pin

    def __repr__(self) -> str:
        return f"Pkcs11KeyStore(library={str(self.library)!r}, token={self.token_label!r})"

    def _unsupported(self) -> KeyStoreError:
        return KeyStoreError(
            f"PKCS#11 key store (token {self.token_label!r}) is not implemented yet"
        )

    async def signer(self, alias: str) -> Signer:
        raise self._unsupported()

    async def certificate(self, alias: str) -> x509.Certificate:
        raise self._unsupported()

    async def chain(self, alias: str) -> tuple[x509.Certificate, ...]:
        raise self._unsupported()

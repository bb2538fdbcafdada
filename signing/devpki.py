"""Development PKI: a root and an intermediate CA, leaf certificates for every party, and CRLs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys import load_certs_from_pemder_data

from signing._pkibuild import (
    CaKeys,
    KeyAlgorithm,
    PrivateKey,
    Role,
    Subject,
    build_ca,
    build_crl,
    build_leaf,
    fit,
    new_key,
)
from signing.errors import DevPkiError
from signing.keys import PemKeyStore

__all__ = [
    "DEFAULT_SUBJECTS",
    "INTERMEDIATE",
    "ROOT",
    "DevPki",
    "KeyAlgorithm",
    "Role",
    "Subject",
    "fit",
    "init",
    "issue",
    "load",
    "refresh_crls",
    "revoke",
]

ROOT = "root-ca"
INTERMEDIATE = "intermediate-ca"
_STATE = "pki.json"

DEFAULT_SUBJECTS: tuple[Subject, ...] = (
    Subject("firm", "示例会计师事务所（特殊普通合伙）电子签章", "示例会计师事务所（特殊普通合伙）"),
    Subject("company", "示例科技股份有限公司电子公章", "示例科技股份有限公司"),
    Subject("bank", "示例银行股份有限公司北京分行函证专用章", "示例银行股份有限公司"),
    Subject("hub", "电子函证中心", "电子函证中心"),
    Subject("tsa", "电子函证中心时间戳服务", "电子函证中心", role=Role.TSA),
)
_ROOT_NAME = Subject(ROOT, "电子函证中心开发根CA Dev Root CA", "电子函证中心").name()
_INTERMEDIATE_NAME = Subject(
    INTERMEDIATE, "电子函证中心开发中级CA Dev Issuing CA", "电子函证中心"
).name()


@dataclass(frozen=True)
class DevPki:
    """An initialised development PKI directory: ``ca/`` (CA material, CRLs) and ``leaf/``."""

    directory: Path
    base_url: str
    key_algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256
    crl_validity: timedelta = field(default=timedelta(days=7))

    @property
    def ca_dir(self) -> Path:
        return self.directory / "ca"

    @property
    def leaf_dir(self) -> Path:
        return self.directory / "leaf"

    def crl_url(self, ca: str) -> str:
        """Where relying parties fetch the CRL of ``ca`` (root-ca or intermediate-ca)."""
        return f"{self.base_url}/crl/{ca}.crl"

    def cert_url(self, ca: str) -> str:
        """Where relying parties fetch the certificate of ``ca`` (AIA caIssuers)."""
        return f"{self.base_url}/ca/{ca}.cer"

    def crl_path(self, ca: str) -> Path:
        return self.ca_dir / f"{ca}.crl"

    def certificate_path(self, alias: str) -> Path:
        """The PEM certificate of a CA (``root-ca``, ``intermediate-ca``) or of a leaf."""
        if alias in (ROOT, INTERMEDIATE):
            return self.ca_dir / f"{alias}.cert.pem"
        return self.leaf_dir / f"{alias}.cert.pem"

    def certificate(self, alias: str) -> asn1_x509.Certificate:
        """The certificate of a CA or a leaf, as pyHanko uses it."""
        return next(iter(load_certs_from_pemder_data(self.certificate_path(alias).read_bytes())))

    def trust_roots(self) -> tuple[asn1_x509.Certificate, ...]:
        """The root certificate: what a relying party trusts."""
        return (self.certificate(ROOT),)

    def crls(self) -> tuple[bytes, ...]:
        """The current CRLs (DER), root's first."""
        return tuple(self.crl_path(ca).read_bytes() for ca in (ROOT, INTERMEDIATE))

    def key_store(self) -> PemKeyStore:
        """A key store over the leaf keys (the CA keys are not in it)."""
        return PemKeyStore.from_directory(self.leaf_dir)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _read_state(pki_dir: Path) -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads((pki_dir / _STATE).read_text("utf-8"))
    except FileNotFoundError:
        raise DevPkiError(f"{pki_dir} is not a development PKI (no {_STATE})") from None
    return state


def _write_state(pki_dir: Path, state: dict[str, Any]) -> None:
    _write(pki_dir / _STATE, json.dumps(state, indent=2, ensure_ascii=False).encode())


def _load_ca(pki: DevPki, name: str) -> CaKeys:
    try:
        cert = x509.load_pem_x509_certificate(pki.certificate_path(name).read_bytes())
        key = serialization.load_pem_private_key(
            (pki.ca_dir / f"{name}.key.pem").read_bytes(), None
        )
    except (OSError, ValueError) as e:
        raise DevPkiError(f"cannot load the {name} of {pki.directory}") from e
    if not isinstance(key, PrivateKey):
        raise DevPkiError(f"unsupported key type for {name}")
    return CaKeys(cert, key, pki.crl_url(name), pki.cert_url(name))


def load(directory: Path) -> DevPki:
    """Open an existing development PKI."""
    directory = Path(directory)
    state = _read_state(directory)
    return DevPki(
        directory,
        state["base_url"],
        KeyAlgorithm(state["key_algorithm"]),
        timedelta(seconds=state["crl_validity_seconds"]),
    )


def init(
    directory: Path,
    *,
    base_url: str = "http://127.0.0.1:8080/pki",
    now: datetime | None = None,
    subjects: Iterable[Subject] = DEFAULT_SUBJECTS,
    key_algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256,
    leaf_validity: timedelta = timedelta(days=730),
    crl_validity: timedelta = timedelta(days=7),
    pkcs12_password: bytes | None = None,
    force: bool = False,
) -> DevPki:
    """Create (or complete) a development PKI in ``directory``; existing keys are kept.

    Missing leaves are issued; existing ones are left alone unless ``force`` is set, which
    recreates everything. ``base_url`` is where the PKI app
    (:func:`signing.pkiserver.create_pki_app`) is mounted; it goes into every certificate's CRL
    distribution point and AIA extension.
    With ``pkcs12_password`` each leaf is also written as ``leaf/ALIAS.p12``.
    """
    directory = Path(directory)
    at = _now(now)
    existing = (directory / _STATE).exists()
    if existing and not force:
        pki = load(directory)
    else:
        pki = DevPki(directory, base_url.rstrip("/"), key_algorithm, crl_validity)
        _write_state(directory, _fresh_state(pki))
    ca_missing = not all((pki.ca_dir / f"{n}.key.pem").exists() for n in (ROOT, INTERMEDIATE))
    if ca_missing or force:
        if existing and not force and any(pki.leaf_dir.glob("*.key.pem")):
            raise DevPkiError(f"{directory} has leaf keys but no CA; re-run with force=True")
        _make_cas(pki, at)
        refresh_crls(pki, now=at)
    for subject in subjects:
        if force or not (pki.leaf_dir / f"{subject.alias}.key.pem").exists():
            issue(pki, subject, now=at, validity=leaf_validity, pkcs12_password=pkcs12_password)
    return pki


def _fresh_state(pki: DevPki) -> dict[str, Any]:
    return {
        "base_url": pki.base_url,
        "key_algorithm": pki.key_algorithm.value,
        "crl_validity_seconds": int(pki.crl_validity.total_seconds()),
        "crl_number": {ROOT: 0, INTERMEDIATE: 0},
        "revoked": {ROOT: [], INTERMEDIATE: []},
        "issued": {},
    }


def _make_cas(pki: DevPki, at: datetime) -> None:
    root_key = new_key(pki.key_algorithm)
    root_cert = build_ca(
        _ROOT_NAME, root_key, issuer=None, not_before=at, not_after=at + timedelta(days=20 * 365)
    )
    root = CaKeys(root_cert, root_key, pki.crl_url(ROOT), pki.cert_url(ROOT))
    inter_key = new_key(pki.key_algorithm)
    inter_cert = build_ca(
        _INTERMEDIATE_NAME,
        inter_key,
        issuer=root,
        not_before=at,
        not_after=at + timedelta(days=10 * 365),
    )
    for name, cert, key in ((ROOT, root_cert, root_key), (INTERMEDIATE, inter_cert, inter_key)):
        _write(pki.ca_dir / f"{name}.key.pem", _key_pem(key), secret=True)
        _write(pki.certificate_path(name), _pem(cert))
        _write(pki.ca_dir / f"{name}.cer", cert.public_bytes(serialization.Encoding.DER))


def issue(
    pki: DevPki,
    subject: Subject,
    *,
    now: datetime | None = None,
    validity: timedelta = timedelta(days=730),
    pkcs12_password: bytes | None = None,
) -> Path:
    """Issue (or re-issue) a leaf certificate from the intermediate CA; returns its PEM path.

    A short ``validity`` gives a certificate that expires soon, e.g. to test long-term validation.
    """
    at = _now(now)
    issuer = _load_ca(pki, INTERMEDIATE)
    root = _load_ca(pki, ROOT)
    key = new_key(pki.key_algorithm)
    cert = build_leaf(subject, key, issuer=issuer, not_before=at, not_after=at + validity)
    leaf = pki.leaf_dir
    _write(leaf / f"{subject.alias}.key.pem", _key_pem(key), secret=True)
    _write(leaf / f"{subject.alias}.cert.pem", _pem(cert))
    _write(leaf / f"{subject.alias}.chain.pem", _pem(issuer.certificate) + _pem(root.certificate))
    if pkcs12_password is not None:
        p12 = pkcs12.serialize_key_and_certificates(
            subject.alias.encode(),
            key,
            cert,
            [issuer.certificate, root.certificate],
            serialization.BestAvailableEncryption(pkcs12_password),
        )
        _write(leaf / f"{subject.alias}.p12", p12, secret=True)
    state = _read_state(pki.directory)
    state["issued"][subject.alias] = format(cert.serial_number, "x")
    _write_state(pki.directory, state)
    return leaf / f"{subject.alias}.cert.pem"


def revoke(pki: DevPki, alias: str, *, now: datetime | None = None) -> None:
    """Revoke a leaf certificate and publish a new intermediate CRL at once."""
    at = _now(now)
    cert = x509.load_pem_x509_certificate(pki.certificate_path(alias).read_bytes())
    state = _read_state(pki.directory)
    state["revoked"][INTERMEDIATE].append(
        {"alias": alias, "serial": format(cert.serial_number, "x"), "at": at.isoformat()}
    )
    _write_state(pki.directory, state)
    refresh_crls(pki, now=at)


def _revoked(entries: Sequence[dict[str, str]]) -> list[tuple[int, datetime]]:
    return [(int(e["serial"], 16), datetime.fromisoformat(e["at"])) for e in entries]


def refresh_crls(pki: DevPki, *, now: datetime | None = None) -> None:
    """Issue fresh CRLs for both CAs (valid from ``now`` for the PKI's CRL validity)."""
    at = _now(now)
    state = _read_state(pki.directory)
    for name in (ROOT, INTERMEDIATE):
        state["crl_number"][name] += 1
        crl = build_crl(
            _load_ca(pki, name),
            number=state["crl_number"][name],
            revoked=_revoked(state["revoked"][name]),
            this_update=at,
            next_update=at + pki.crl_validity,
        )
        _write(pki.crl_path(name), crl.public_bytes(serialization.Encoding.DER))
    _write_state(pki.directory, state)

"""Key stores: keys load once, sign, and never show up in reprs or error messages."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pyhanko.sign.signers.pdf_cms import Signer

from signing import (
    KeyNotFoundError,
    KeyStoreError,
    Level,
    PemEntry,
    PemKeyStore,
    Pkcs11KeyStore,
    Pkcs12Entry,
    Pkcs12KeyStore,
    RevocationCheck,
    async_sign_pdf,
    validate_pdf,
)
from signing.render import render_text
from tests.signing.conftest import P12_PASSWORD, Dev


async def test_pem_store_caches_the_loaded_key(dev: Dev) -> None:
    store = dev.pki.key_store()

    first = await store.signer("firm")
    second = await store.signer("firm")

    assert first is second
    assert set(store.aliases()) >= {"firm", "company", "bank", "hub", "tsa"}
    assert "root-ca" not in store.aliases() and "intermediate-ca" not in store.aliases()


async def test_pkcs12_store_signs_like_the_pem_store(dev: Dev, letter: bytes) -> None:
    store = Pkcs12KeyStore.from_directory(dev.pki.leaf_dir, P12_PASSWORD)

    signer = await store.signer("firm")
    signed = await async_sign_pdf(letter, signer=signer, level=Level.B_B, field_name="Firm")

    assert (await store.certificate("firm")).dump() == (await dev.store.certificate("firm")).dump()
    assert [c.subject for c in await store.chain("firm")] == [
        dev.pki.certificate("intermediate-ca").subject,
        dev.pki.certificate("root-ca").subject,
    ]
    report = await validate_pdf(
        signed,
        trust_roots=dev.pki.trust_roots(),
        allow_fetching=False,
        revocation=RevocationCheck.NONE,
    )
    assert report.ok, render_text(report)


async def test_wrong_password_is_an_error_without_the_password(dev: Dev) -> None:
    password = b"Wrong-Password-42"
    store = Pkcs12KeyStore({"firm": Pkcs12Entry(dev.pki.leaf_dir / "firm.p12", password)})

    with pytest.raises(KeyStoreError, match="wrong password") as caught:
        await store.signer("firm")

    assert password.decode() not in str(caught.value)
    assert password.decode() not in repr(store) + repr(Pkcs12Entry(Path("x.p12"), password))


async def test_unknown_alias(dev: Dev) -> None:
    with pytest.raises(KeyNotFoundError, match="nobody"):
        await dev.store.signer("nobody")


async def test_missing_key_file_names_the_file(tmp_path: Path, dev: Dev) -> None:
    store = PemKeyStore({"x": PemEntry(tmp_path / "x.key.pem", dev.pki.certificate_path("firm"))})

    with pytest.raises(KeyStoreError, match=r"x\.key\.pem"):
        await store.signer("x")


async def test_signer_repr_shows_no_key_material(dev: Dev) -> None:
    signer = await dev.store.signer("firm")
    key_pem = (dev.pki.leaf_dir / "firm.key.pem").read_text()
    key_body = "".join(key_pem.splitlines()[1:-1])

    text = repr(signer) + repr(dev.store)

    assert "firm" in text
    assert key_body[:24] not in text and "PRIVATE" not in text


async def test_a_store_sent_to_a_worker_loads_each_key_once_there(dev: Dev) -> None:
    copy_one = pickle.loads(pickle.dumps(dev.store))
    copy_two = pickle.loads(pickle.dumps(dev.store))

    assert copy_one is copy_two, "one shared store per process"
    assert await copy_one.signer("bank") is await copy_two.signer("bank")


async def test_pkcs11_placeholder_fails_loudly_and_hides_the_pin() -> None:
    store = Pkcs11KeyStore(Path("/usr/lib/softhsm/libsofthsm2.so"), token_label="hub", pin="1234")

    with pytest.raises(KeyStoreError, match="not implemented"):
        await store.signer("firm")

    assert "1234" not in repr(store)


async def test_signing_certificate_attribute_names_the_signer(dev: Dev) -> None:
    signer = await dev.store.signer("firm")
    # CachedKeySigner swaps in a pre-encoded attribute through this pyHanko hook; if pyHanko
    # renames it, signing stays correct but loses most of its speed (see bench/sign.py).
    assert hasattr(Signer, "_signed_attr_providers")

    attrs = await signer.signed_attrs(b"\0" * 32, "sha256", use_pades=True)

    [value] = [a["values"][0] for a in attrs if a["type"].native == "signing_certificate_v2"]
    assert value["certs"][0]["cert_hash"].native == signer.signing_cert.sha256

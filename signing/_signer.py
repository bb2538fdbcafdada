"""A pyHanko signer that keeps its parsed private key in memory instead of re-reading it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asn1crypto import tsp, x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from signing.errors import KeyStoreError

__all__ = ["CachedKeySigner"]


class _ParsedSigningCertificateV2(SigningCertificateV2Provider):
    """The signing-certificate-v2 attribute value, encoded once and handed out parsed."""

    def __init__(self, signing_cert: x509.Certificate) -> None:
        super().__init__(signing_cert)
        self._der = as_signing_certificate_v2(signing_cert).dump()

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._der)


class CachedKeySigner(Signer):
    """Signs with a private key object parsed once when the key store loaded it.

    pyHanko's stock ``SimpleSigner`` re-parses its DER key on every signature; this one does not.
    The key is held privately and is never part of ``repr`` or an error message.
    """

    def __init__(
        self,
        *,
        alias: str,
        private_key: PrivateKeyTypes,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...] = (),
        prefer_pss: bool = False,
    ) -> None:
        registry = SimpleCertificateStore.from_certs([certificate, *chain])
        super().__init__(
            prefer_pss=prefer_pss,
            signing_cert=certificate,
            cert_registry=registry,
            embed_roots=True,
        )
        self.alias = alias
        self.__key = private_key
        self.__certificate_attribute = _ParsedSigningCertificateV2(certificate)

    def __repr__(self) -> str:
        subject = self.signing_cert.subject.human_friendly if self.signing_cert else "?"
        return f"CachedKeySigner(alias={self.alias!r}, subject={subject!r})"

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[CMSAttributeProvider]:
        # pyHanko internal hook (the one place attribute providers are chosen). asn1crypto
        # re-encodes a value built in Python on every dump(), at a cost that doubles with each
        # level of nesting: the signing-certificate attribute alone cost ~10 ms a signature.
        # It depends only on the certificate, so it is built once and reused in parsed form.
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                yield self.__certificate_attribute
            else:
                yield provider

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Sign ``data`` (hashing it with ``digest_algorithm``) with the cached key."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        name = mechanism.signature_algo
        key = self.__key
        if name == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if name == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        if name == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if name in ("ed25519", "ed448") and isinstance(
            key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
        ):
            return key.sign(data)
        raise KeyStoreError(
            f"key {self.alias!r} cannot make a {name} signature (key type {type(key).__name__})"
        )

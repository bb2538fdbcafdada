"""RFC 3161 time-stamping: an in-process authority, its HTTP handler, and clients for either."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import ClassVar

import aiohttp
from aiohttp import web
from asn1crypto import cms, core, tsp, x509
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from signing.errors import TimestampError, TimestampRejected
from signing.keys import KeyStore

__all__ = [
    "DEV_TSA_POLICY",
    "LocalTimeStamper",
    "TimeStampAuthority",
    "http_timestamper",
    "tsa_handler",
]

# A private-use OID under the UUID arc (ITU-T X.667); no registration needed.
DEV_TSA_POLICY = "2.25.181360457138216046117424637622342095377"

_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_512": 64}
_CONTENT_TYPE_QUERY = "application/timestamp-query"
_CONTENT_TYPE_REPLY = "application/timestamp-reply"
_MAX_REQUEST = 16 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _TimeStampResp(core.Sequence):
    """TimeStampResp as RFC 3161 has it: asn1crypto wrongly requires the token in rejections."""

    _fields: ClassVar[list[tuple[str, type, dict[str, bool]] | tuple[str, type]]] = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _rejection_der(error: TimestampRejected) -> bytes:
    status = {
        "status": "rejection",
        "status_string": [error.text],
        "fail_info": tsp.PKIFailureInfo({error.fail_info}),
    }
    return _TimeStampResp({"status": tsp.PKIStatusInfo(status)}).dump()


class TimeStampAuthority:
    """An RFC 3161 TSA that signs tokens with a key store's key (EC or RSA).

    ``clock`` gives the time put in each token; tests pass a fixed one.
    """

    def __init__(
        self,
        signer: Signer,
        *,
        policy: str = DEV_TSA_POLICY,
        clock: Callable[[], datetime] = _utc_now,
        digest_algorithm: str = "sha256",
    ) -> None:
        if signer.signing_cert is None:
            raise TimestampError("a time-stamping authority needs its certificate")
        self._signer = signer
        self.policy = policy
        self.clock = clock
        self.digest_algorithm = digest_algorithm

    @classmethod
    async def from_key_store(
        cls, store: KeyStore, alias: str = "tsa", *, clock: Callable[[], datetime] = _utc_now
    ) -> TimeStampAuthority:
        """The authority whose key and certificate are ``alias`` in ``store``."""
        return cls(await store.signer(alias), clock=clock)

    @property
    def certificate(self) -> x509.Certificate:
        cert = self._signer.signing_cert
        assert cert is not None
        return cert

    def __repr__(self) -> str:
        return f"TimeStampAuthority(subject={self.certificate.subject.human_friendly!r})"

    async def respond(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """A granted response with a token; :class:`TimestampRejected` says why not."""
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if request["version"].native not in (1, "v1"):
            raise TimestampRejected("bad_request", "only version 1 requests are supported")
        if algorithm not in _DIGEST_SIZES:
            raise TimestampRejected("bad_alg", f"hash algorithm {algorithm} is not accepted")
        if len(imprint["hashed_message"].native) != _DIGEST_SIZES[algorithm]:
            raise TimestampRejected("bad_data_format", "the message imprint has the wrong length")
        if request["req_policy"].native not in (None, self.policy):
            raise TimestampRejected("unaccepted_policy", "the requested policy is not offered")
        gen_time = self.clock().astimezone(UTC)
        info: dict[str, object] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": imprint,
            "serial_number": secrets.randbits(63),
            "gen_time": gen_time,
            "accuracy": {"seconds": 1},
            "tsa": x509.GeneralName(name="directory_name", value=self.certificate.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        tst_info = tsp.TSTInfo(info)
        token = await self._signer.async_sign_general_data(
            cms.EncapsulatedContentInfo(
                {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info.dump())}
            ),
            self.digest_algorithm,
            detached=False,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=gen_time),
        )
        if not request["cert_req"].native:
            # RFC 3161 § 2.4.1: without certReq the certificates field must be absent.
            del token["content"]["certificates"]
        return tsp.TimeStampResp(
            {"status": tsp.PKIStatusInfo({"status": "granted"}), "time_stamp_token": token}
        )

    async def respond_der(self, body: bytes) -> bytes:
        """The DER response to a DER request; a malformed request gets a rejection, not an error."""
        try:
            request = tsp.TimeStampReq.load(body)
            request.native  # noqa: B018 -- forces a full parse so bad input fails here
        except (ValueError, TypeError):
            return _rejection_der(
                TimestampRejected("bad_data_format", "the request is not a valid TimeStampReq")
            )
        try:
            return (await self.respond(request)).dump()
        except TimestampRejected as e:
            return _rejection_der(e)


class LocalTimeStamper(TimeStamper):
    """A pyHanko time-stamper that asks an in-process :class:`TimeStampAuthority`."""

    def __init__(self, authority: TimeStampAuthority, *, include_nonce: bool = True) -> None:
        super().__init__(include_nonce=include_nonce)
        self.authority = authority

    def __repr__(self) -> str:
        return f"LocalTimeStamper({self.authority!r})"

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            return await self.authority.respond(req)
        except TimestampRejected as e:
            raise TimestampRequestError(str(e)) from e


class _HTTPTimeStamper(HTTPTimeStamper):
    """pyHanko's HTTP client, able to read a rejection (which carries no token)."""

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        response = await super().async_request_tsa_response(req)
        try:
            response["status"]
        except ValueError:
            status = _TimeStampResp.load(response.dump())["status"]
            text = "; ".join(status["status_string"].native or [])
            fail = ", ".join(sorted(status["fail_info"].native or []))
            raise TimestampRequestError(
                f"time-stamp request {status['status'].native} ({fail}): {text}"
            ) from None
        return response


def tsa_handler(
    authority: TimeStampAuthority,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler for ``POST`` of ``application/timestamp-query`` (RFC 3161 § 3.4)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.content_type != _CONTENT_TYPE_QUERY:
            raise web.HTTPUnsupportedMediaType(text=f"expected {_CONTENT_TYPE_QUERY}")
        if request.content_length is not None and request.content_length > _MAX_REQUEST:
            raise web.HTTPRequestEntityTooLarge(
                max_size=_MAX_REQUEST, actual_size=request.content_length
            )
        body = await request.content.read(_MAX_REQUEST + 1)
        if len(body) > _MAX_REQUEST:
            raise web.HTTPRequestEntityTooLarge(max_size=_MAX_REQUEST, actual_size=len(body))
        reply = await authority.respond_der(body)
        return web.Response(body=reply, content_type=_CONTENT_TYPE_REPLY)

    return handle


def http_timestamper(
    url: str,
    *,
    session: aiohttp.ClientSession | None = None,
    timeout: float = 10,
    auth: tuple[str, str] | None = None,
) -> TimeStamper:
    """A client for an external (or our own) TSA reachable over HTTP(S) at ``url``."""
    # Without a session, pyHanko opens one per request: right for a stamper reused across loops.
    return _HTTPTimeStamper(url, timeout=timeout, auth=auth, session=session)

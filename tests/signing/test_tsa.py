"""The RFC 3161 authority: in process, over HTTP, and what it refuses."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from asn1crypto import algos, cms, core, tsp
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from signing import (
    Level,
    LocalTimeStamper,
    TimeStampAuthority,
    async_sign_pdf,
    http_timestamper,
    validate_pdf,
)
from signing.render import render_text
from tests.signing.conftest import Dev

DIGEST = hashlib.sha256(b"confirmation letter").digest()


async def _token_status(dev: Dev, token: cms.ContentInfo) -> dict[str, Any]:
    context = ValidationContext(trust_roots=list(dev.pki.trust_roots()), crls=list(dev.pki.crls()))
    return await validate_tst_signed_data(token["content"], context, lambda _algo: DIGEST)


async def test_local_token_is_valid_and_carries_the_fixed_time(dev: Dev) -> None:
    fixed = datetime(2025, 3, 31, 8, 30, tzinfo=UTC)
    authority = await TimeStampAuthority.from_key_store(dev.store, "tsa", clock=lambda: fixed)

    token = await LocalTimeStamper(authority).async_timestamp(DIGEST, "sha256")

    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["gen_time"].native == fixed
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    status = await _token_status(dev, token)
    assert status["intact"] and status["valid"]
    assert status["validation_path"] is not None, "the TSA must chain to the dev root"


async def test_http_tsa_serves_tokens_for_signing(dev: Dev, letter: bytes) -> None:
    stamper = http_timestamper(dev.tsa_url)

    token = await stamper.async_timestamp(DIGEST, "sha256")
    signed = await async_sign_pdf(
        letter, signer=await dev.store.signer("bank"), level=Level.B_T, timestamper=stamper
    )

    assert (await _token_status(dev, token))["valid"]
    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=True)
    assert report.ok, render_text(report)
    assert report.signatures[0].timestamp is not None


async def test_unsupported_hash_is_refused(dev: Dev) -> None:
    with pytest.raises(TimestampRequestError, match="bad_alg"):
        await http_timestamper(dev.tsa_url).async_timestamp(hashlib.md5(b"x").digest(), "md5")


async def test_malformed_request_gets_a_rejection(dev: Dev) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            dev.tsa_url,
            data=b"not a request",
            headers={"Content-Type": "application/timestamp-query"},
        ) as response,
    ):
        body = await response.read()
        assert response.headers["Content-Type"] == "application/timestamp-reply"
    # RFC 3161: a rejection is a TimeStampResp with a status and no token.
    reply = core.Sequence.load(body)
    assert len(reply) == 1
    status = tsp.PKIStatusInfo.load(reply[0].dump())
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {"bad_data_format"}


async def test_wrong_content_type_is_refused(dev: Dev) -> None:
    async with aiohttp.ClientSession() as session, session.post(dev.tsa_url, data=b"x") as response:
        assert response.status == 415


async def test_no_certificates_unless_requested(dev: Dev) -> None:
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": DIGEST,
            },
            "cert_req": False,
        }
    )

    reply = await dev.tsa.respond(request)

    assert reply["status"]["status"].native == "granted"
    assert not reply["time_stamp_token"]["content"]["certificates"].native

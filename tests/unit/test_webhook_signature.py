"""A workpaper webhook's signature as receivers check it: the adapter's function and the
README's receiver agree, and both refuse a tampered body, a wrong secret and a stale stamp."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.audit_software import WINDOW_SECONDS, verify_signature
from adapters.signed_http import signature

SECRET = b"s3cret-of-the-firm-for-tests"
BODY = '{"event":"workpaper.ready","letter_number":"XD-2025-BK-0001","note":"回函"}'.encode()
NOW = 1_767_000_000.0
STAMP = str(int(NOW))
Verify = Callable[[bytes, str, bytes, str, float], bool]


def by_hand(secret: bytes, stamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


def readme_verify() -> Verify:
    """The verify_signature of the README's receiver example, run as written."""
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    block = re.search(r"<!-- webhook-receiver -->\n```python\n(.*?)```", readme, re.S)
    assert block, "the README has no receiver example"
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    return namespace["verify_signature"]  # type: ignore[no-any-return]


@pytest.fixture(params=["adapter", "readme"])
def verify(request: pytest.FixtureRequest) -> Verify:
    return verify_signature if request.param == "adapter" else readme_verify()


def test_the_hub_signs_hmac_sha256_over_timestamp_dot_body() -> None:
    assert signature(SECRET, STAMP, BODY) == by_hand(SECRET, STAMP, BODY)


def test_a_genuine_request_passes(verify: Verify) -> None:
    assert verify(SECRET, STAMP, BODY, signature(SECRET, STAMP, BODY), NOW)
    assert verify(SECRET, STAMP, BODY, signature(SECRET, STAMP, BODY), NOW + WINDOW_SECONDS)


@pytest.mark.parametrize("change", [
    "tampered body", "wrong secret", "stale timestamp", "future timestamp", "timestamp moved",
    "no prefix", "upper-case hex", "empty header", "non-ascii digits", "not a number",
])
def test_anything_else_is_refused(verify: Verify, change: str) -> None:
    good = signature(SECRET, STAMP, BODY)
    late = str(int(NOW) - WINDOW_SECONDS - 1)
    early = str(int(NOW) + WINDOW_SECONDS + 1)
    cases: dict[str, tuple[bytes, str, bytes, str]] = {
        "tampered body": (SECRET, STAMP, BODY.replace(b"0001", b"0002"), good),
        "wrong secret": (SECRET, STAMP, BODY, signature(b"another-secret-entirely", STAMP,
                                                        BODY)),
        "stale timestamp": (SECRET, late, BODY, signature(SECRET, late, BODY)),
        "future timestamp": (SECRET, early, BODY, signature(SECRET, early, BODY)),
        "timestamp moved": (SECRET, str(int(NOW) + 1), BODY, good),
        "no prefix": (SECRET, STAMP, BODY, good.removeprefix("sha256=")),
        "upper-case hex": (SECRET, STAMP, BODY, "sha256=" + good[7:].upper()),
        "empty header": (SECRET, STAMP, BODY, ""),
        "non-ascii digits": (SECRET, "١٧٦٧٠٠٠٠٠٠", BODY, good),
        "not a number": (SECRET, "1767000000.5", BODY, good),
    }
    secret, stamp, body, header = cases[change]
    assert not verify(secret, stamp, body, header, NOW)


def test_a_text_secret_is_its_utf8_bytes() -> None:
    header = signature(SECRET, STAMP, BODY)
    assert verify_signature(SECRET.decode(), STAMP, BODY, header, NOW)

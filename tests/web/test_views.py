"""The signature report of a reply, and where the browser goes after signing in."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain.replies import Reply, ReplyStatus
from hub.web.views import signature_report


def test_the_signature_report_names_the_check_that_failed() -> None:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    ok = signature_report(Reply("r1", "c1", "a" * 64, at, "bank", ReplyStatus.ACCEPTED,
                                signer="京华银行", signer_sha256="b" * 64))
    assert (ok.valid, ok.registered, ok.bound) == (True, True, True)
    unregistered = signature_report(Reply(
        "r2", "c1", "a" * 64, at, "bank", ReplyStatus.REJECTED, signer="某人",
        signer_sha256="c" * 64,
        reason="签名证书未登记 / the reply is signed by 某人, whose certificate is not "
               "registered for 京华银行"))
    assert (unregistered.valid, unregistered.registered, unregistered.bound) == (
        True, False, True)
    unbound = signature_report(Reply(
        "r3", "c1", "a" * 64, at, "bank", ReplyStatus.REJECTED, signer="京华银行",
        signer_sha256="b" * 64,
        reason="the signed reply answers letter 'LN-9', not LN-1"))
    assert (unbound.valid, unbound.registered, unbound.bound) == (True, True, False)
    pending = signature_report(Reply("r4", "c1", "a" * 64, at, "bank"))
    assert (pending.valid, pending.registered, pending.bound) == (None, None, None)


def test_after_signing_in_the_browser_goes_only_to_a_page_of_the_ui() -> None:
    from hub.web.security import safe_next

    assert safe_next("/web/confirmations/c1?x=1") == "/web/confirmations/c1?x=1"
    for elsewhere in ("https://evil.example/web/", "//evil.example/web/", "/api/v1/x",
                      "/web/\\evil", "/web/\r\nX: y", "/web/\t", "", None):
        assert safe_next(elsewhere) == "/web/", elsewhere

"""The kept name comparisons give asn1crypto's answers: RFC 5280 matching, not byte equality."""

from __future__ import annotations

from asn1crypto import x509

from signing import _fastnames


def _name(cn: str, org: str, printable: bool = False) -> x509.Name:
    return x509.Name.build({"common_name": cn, "organization_name": org},
                           use_printable=printable)


def test_names_match_as_rfc_5280_says() -> None:
    _fastnames.install()
    for _ in range(2):  # the second round answers from what was kept
        assert _name("Bank CA", "Bank") == _name("bank  ca", "BANK", printable=True)
        assert _name("Bank CA", "Bank") == _name("Bank CA", "Bank")
        assert _name("Bank CA", "Bank") != _name("Bank CA 2", "Bank")
        assert _name("银行 CA", "银行") != _name("银行 CB", "银行")
        assert _name("Bank CA", "Bank") != "Bank CA"
        assert _name("Bank CA", "Bank").hashable == _name("BANK CA", "bank").hashable
        assert _name("Bank CA", "Bank").hashable != _name("Bank CB", "Bank").hashable

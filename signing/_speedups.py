"""The one list of library internals signing/ replaces for speed, with the test that guards each
and the library versions they were checked on (tests/signing/test_speedups.py fails when an
installed version differs, so an upgrade re-checks every override before it ships).

- ``signing._fasthex`` replaces ``pyhanko.pdf_utils.generic.read_hex_string_from_stream``;
  guarded by tests/signing/test_fasthex.py.
- ``signing._fastnames`` replaces ``asn1crypto.x509.NameTypeAndValue._ldap_string_prep``,
  ``x509.Name.__eq__`` and ``x509.Name.hashable``; guarded by tests/signing/test_fastnames.py.

Each keeps the library's answers (same values, same errors); what it assumes is in its docstring.
"""

from __future__ import annotations

from signing import _fasthex, _fastnames

__all__ = ["CHECKED", "install"]

CHECKED = {"pyhanko": "0.38.0", "pyhanko-certvalidator": "0.33.0", "asn1crypto": "1.5.1"}
"""The versions every override above was read against and tested with."""


def install() -> None:
    """Install every override (idempotent; called before pyHanko parses or signs anything)."""
    _fasthex.install()
    _fastnames.install()

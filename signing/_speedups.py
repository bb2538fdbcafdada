"""Installs the library internals signing/ replaces for speed (the project's one list of such
overrides, with their guarding tests and checked versions, is tests/unit/test_library_internals.py).

- ``signing._fasthex`` replaces ``pyhanko.pdf_utils.generic.read_hex_string_from_stream``;
  guarded by tests/signing/test_fasthex.py.
- ``signing._fastnames`` replaces ``asn1crypto.x509.NameTypeAndValue._ldap_string_prep``,
  ``x509.Name.__eq__`` and ``x509.Name.hashable``; guarded by tests/signing/test_fastnames.py.

Each keeps the library's answers (same values, same errors); what it assumes is in its docstring.
"""

from __future__ import annotations

from signing import _fastder, _fasthex, _fastnames

__all__ = ["install"]


def install() -> None:
    """Install every override (idempotent; called before pyHanko parses or signs anything)."""
    _fastder.install()
    _fasthex.install()
    _fastnames.install()

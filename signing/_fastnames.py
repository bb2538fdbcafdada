"""Faster X.509 name comparison for pyHanko: asn1crypto prepares every attribute of both names
(RFC 4518 string preparation, pure Python) on each comparison of freshly parsed certificates,
and pyHanko compares the issuer of every certificate in a signature with each one it looks for:
about a third of a validation's CPU. The preparation of a string is a pure function of it, so
it is kept per process (bounded), and so are the outcome of comparing two encodings and
a name's hashable form; names whose encodings are byte-identical are equal (as
pyHanko's own issuer match already assumes, even for values the preparation would refuse)."""

from __future__ import annotations

from typing import Any

from asn1crypto import x509

_LIMIT = 4096
_prepared: dict[str, str] = {}
_compared: dict[tuple[bytes, bytes], bool] = {}
_original_prep = x509.NameTypeAndValue._ldap_string_prep
_original_eq = x509.Name.__eq__
_original_hashable = x509.Name.hashable
_hashables: dict[bytes, str] = {}


def _ldap_string_prep(self: x509.NameTypeAndValue, string: str) -> str:
    """NameTypeAndValue._ldap_string_prep, kept by string (a failure raises every time)."""
    found = _prepared.get(string)
    if found is None:
        found = _original_prep(self, string)
        if len(_prepared) >= _LIMIT:
            _prepared.clear()
        _prepared[string] = found
    return found


def _name_eq(self: x509.Name, other: Any) -> bool:
    """Name.__eq__, answering at once for the same bytes, else kept by both encodings."""
    if not isinstance(other, x509.Name):
        return False
    key = (self.dump(), other.dump())
    if key[0] == key[1]:
        return True
    found = _compared.get(key)
    if found is None:
        found = bool(_original_eq(self, other))
        if len(_compared) >= _LIMIT:
            _compared.clear()
        _compared[key] = found
    return found


def _name_hashable(self: x509.Name) -> str:
    """Name.hashable, kept by the name's encoding."""
    der = self.dump()
    found = _hashables.get(der)
    if found is None:
        found = str(_original_hashable.fget(self))  # type: ignore[attr-defined]
        if len(_hashables) >= _LIMIT:
            _hashables.clear()
        _hashables[der] = found
    return found


def install() -> None:
    """Make asn1crypto's name comparison use the kept preparations (idempotent)."""
    x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep  # type: ignore[method-assign]
    x509.Name.__eq__ = _name_eq  # type: ignore[method-assign,assignment]
    x509.Name.hashable = property(_name_hashable)  # type: ignore[method-assign,assignment]

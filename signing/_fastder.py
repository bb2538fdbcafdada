"""asn1crypto's DER dump without its indefinite-length misreading: every ``dump`` of 1.5.1 takes
a header whose *last byte* is 0x80 for an indefinite length (asn1crypto issue #249), so a
definite length such as 128 or 384 (``81 80``, ``82 01 80``) forces the whole subtree to be
re-encoded, and ``Asn1Value.dump`` computes a mutated value's contents twice per level: the
CMS of about one signature in sixty took 90-130 s of CPU to write. Here a header is indefinite
only when its length octet is exactly 0x80, and each level computes its contents once. The
bodies are asn1crypto's own otherwise (same bytes, same errors)."""

from __future__ import annotations

from typing import Any

from asn1crypto import core

__all__ = ["indefinite", "install"]


def indefinite(header: bytes | None) -> bool:
    """Whether a header (one or more identifier + length pairs, outermost first, as asn1crypto
    keeps explicit tags) ends in the indefinite length form: a length octet that is 0x80."""
    if not header:
        return False
    at, last = 0, 0
    while at < len(header):
        if header[at] & 0x1F == 0x1F:  # high tag number: continuation octets, then the last
            at += 1
            while at < len(header) and header[at] & 0x80:
                at += 1
        at += 1
        if at >= len(header):
            return False
        last = header[at]
        at += 1
        if last & 0x80 and last != 0x80:  # long form: that many length octets follow
            at += last & 0x7F
    return last == 0x80


def _value_dump(self: Any, force: bool = False) -> bytes:
    """core.Asn1Value.dump."""
    contents = self.contents
    if indefinite(self._header):
        force = True
    if self._header is None or force:
        if isinstance(self, core.Constructable) and self._indefinite:
            self.method = 0
            contents = self.contents
        header = core._dump_header(self.class_, self.method, self.tag, contents)
        if self.explicit is not None:
            for class_, tag in self.explicit:
                header = core._dump_header(class_, 1, tag, header + contents) + header
        self._header = header
        self._trailer = b""
    return bytes(self._header + contents + self._trailer)


def _choice_dump(self: Any, force: bool = False) -> bytes:
    """core.Choice.dump."""
    if indefinite(self._header):
        force = True
    self._contents = self.chosen.dump(force=force)
    if self._header is None or force:
        self._header = b""
        if self.explicit is not None:
            for class_, tag in self.explicit:
                self._header = (core._dump_header(class_, 1, tag, self._header + self._contents)
                                + self._header)
    return bytes(self._header + self._contents)


def _primitive_dump(self: Any, force: bool = False) -> bytes:
    """core.Primitive.dump."""
    if indefinite(self._header):
        force = True
    if force:
        native = self.native
        self.contents = None
        self.set(native)
    return _value_dump(self)


def _sequence_dump(self: Any, force: bool = False) -> bytes:
    """core.Sequence.dump."""
    if indefinite(self._header):
        force = True
    # We can't force encoding if we don't have a spec
    if force and self._fields == [] and self.__class__ is core.Sequence:
        force = False
    if force:
        self._set_contents(force=force)
    if self._fields and self.children is not None:
        for index, (field_name, _, params) in enumerate(self._fields):
            if self.children[index] is not core.VOID:
                continue
            if "default" in params or "optional" in params:
                continue
            raise ValueError(f'Field "{field_name}" is missing from structure')
    return _value_dump(self)


def _sequence_of_dump(self: Any, force: bool = False) -> bytes:
    """core.SequenceOf.dump."""
    if indefinite(self._header):
        force = True
    if force:
        self._set_contents(force=force)
    return _value_dump(self)


_REPLACED = (
    (core.Asn1Value, _value_dump),
    (core.Choice, _choice_dump),
    (core.Primitive, _primitive_dump),
    (core.Sequence, _sequence_dump),
    (core.SequenceOf, _sequence_of_dump),
)


def install() -> None:
    """Replace the five ``dump`` methods of asn1crypto.core (idempotent)."""
    for cls, dump in _REPLACED:
        cls.dump = dump  # type: ignore[method-assign,assignment]

"""Errors of the document renderer, in the hub's error hierarchy."""

from __future__ import annotations

from typing import Any

from hub.domain.errors import ValidationFailed


class RenderError(ValidationFailed):
    """A letter cannot be printed as given; `field` is the JSON pointer of the value at fault."""

    code = "render_failed"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps `field` and `errors` when the error crosses a process pool (pickling).
        return (type(self), (self.message,), dict(self.__dict__))


class UnprintableCharacter(RenderError):
    """A value holds a character the letter font has no glyph for (it would print as a box)."""

    code = "unprintable_character"

    def __init__(self, field: str, character: str) -> None:
        self.character = character
        name = f"U+{ord(character):04X}" if len(character) == 1 else repr(character)
        super().__init__(
            f"{field}: the character {character!r} ({name}) cannot be printed on a letter; "
            "the letter font has no glyph for it (use the standard form of the character)",
            field=field,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.character))


class UnknownLetterType(RenderError):
    """The letter type names no letter the renderer knows."""

    code = "unknown_letter_type"

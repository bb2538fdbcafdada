"""Why a bundle cannot be built: a file the caller gave is not acceptable."""

from __future__ import annotations

from hub.domain.errors import ValidationFailed

__all__ = ["InvalidBundleFile"]


class InvalidBundleFile(ValidationFailed, ValueError):
    """A file given to the bundle builder is refused; ``field`` is its name in the bundle."""

    code = "invalid_bundle_file"

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name!r}: {reason}", field=name)
        self.name = name

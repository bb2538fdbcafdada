"""The signing library's errors: one root, a few kinds, never a key or a password in a message."""

from __future__ import annotations

__all__ = [
    "DevPkiError",
    "KeyNotFoundError",
    "KeyStoreError",
    "SigningError",
    "TimestampError",
    "TimestampRejected",
]


class SigningError(Exception):
    """Root of every error raised by the signing library."""


class KeyStoreError(SigningError):
    """A key store could not give the key or certificate asked for."""


class KeyNotFoundError(KeyStoreError):
    """The key store holds no entry under the alias asked for."""


class TimestampError(SigningError):
    """A time-stamp could not be obtained or the authority refused the request."""


class TimestampRejected(TimestampError):
    """The time-stamping authority refused a request (RFC 3161 status ``rejection``)."""

    def __init__(self, fail_info: str, text: str) -> None:
        super().__init__(f"time-stamp request rejected ({fail_info}): {text}")
        self.fail_info = fail_info
        self.text = text


class DevPkiError(SigningError):
    """The development PKI directory is missing files or inconsistent."""

"""The error hierarchy: one root, translated to HTTP or to ack/retry/park at the edges."""

from __future__ import annotations


class HubError(Exception):
    """Root of every error the hub raises on purpose."""

    code = "hub_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(HubError):
    """Input broke a rule; `field` names the JSON pointer (or dotted path) at fault."""

    code = "validation_failed"

    def __init__(
        self, message: str, *, field: str | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.errors = errors or ([{"field": field or "", "message": message}])


class InvalidUSCC(ValidationFailed):
    """A 统一社会信用代码 is malformed or its GB 32100 check digit is wrong."""

    code = "invalid_uscc"


class NotFound(HubError):
    """The object does not exist, or belongs to another tenant (never say which)."""

    code = "not_found"


class Conflict(HubError):
    """The request collides with existing state (duplicate letter, reused idempotency key)."""

    code = "conflict"


class Forbidden(HubError):
    """The caller is known but its role may not do this."""

    code = "forbidden"


class Unauthenticated(HubError):
    """No valid credentials."""

    code = "unauthenticated"


class InvalidTransition(HubError):
    """A state change the confirmation state machine refuses."""

    code = "invalid_transition"

    def __init__(self, current: str, target: str, *, reason: str | None = None) -> None:
        message = f"cannot move a confirmation from {current!r} to {target!r}"
        if reason:
            message += f": {reason}"
        super().__init__(message, field="status")
        self.current = current
        self.target = target


class CalendarYearUnknown(HubError):
    """The working-day calendar has no holiday data for the year asked about."""

    code = "calendar_year_unknown"


class TransientError(HubError):
    """A failure worth retrying later (a dependency was unreachable)."""

    code = "transient"


class PermanentError(HubError):
    """A failure retrying cannot fix; the message is parked with the reason."""

    code = "permanent"


class PartSwitchedOff(PermanentError):
    """A part this hub was configured without (letter signing off) was asked for."""

    code = "part_switched_off"


class StaleWrite(Conflict, TransientError):
    """Another writer committed the row after it was read: nothing was saved. A request gets
    409 (read again and retry); a message is retried, never parked (it is not a failure)."""

    code = "conflict"


class DuplicateIdempotencyKey(Conflict):
    """Another request already used this Idempotency-Key (the caller compares the bodies)."""

    code = "duplicate_idempotency_key"

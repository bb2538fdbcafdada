"""The clocks the composition roots hand to the core: the system's, and a settable one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

CST = timedelta(hours=8)
"""China Standard Time's offset: deadlines are PRC working days."""


@dataclass
class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return (self.now() + CST).date()


@dataclass
class FrozenClock:
    """A settable clock for tests, demos and the scheduler's `--at`."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return (self.current + CST).date()

"""The clock the core reads: UTC now, and today in China Standard Time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC now."""

    def today(self) -> date:
        """Today in China Standard Time (deadlines are PRC working days)."""

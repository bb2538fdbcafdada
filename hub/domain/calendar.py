"""The PRC working-day calendar (public holidays and make-up working days) and deadline helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from hub.domain.errors import CalendarYearUnknown


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working days are Monday–Friday, minus public holidays, plus make-up working days (调休)."""

    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    years: frozenset[int]
    _after: dict[tuple[date, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)
    """add_working_days() answers given (every letter of a day asks the same question)."""

    @classmethod
    def from_dates(
        cls, holidays: Iterable[date], makeup_workdays: Iterable[date], years: Iterable[int]
    ) -> WorkingDayCalendar:
        return cls(frozenset(holidays), frozenset(makeup_workdays), frozenset(years))

    def _known(self, day: date) -> None:
        if day.year not in self.years:
            known = f"{min(self.years)}–{max(self.years)}" if self.years else "none"
            raise CalendarYearUnknown(
                f"the working-day calendar has no holiday data for {day.year} "
                f"(known years: {known}); update the calendar data before using that year"
            )

    def is_working_day(self, day: date) -> bool:
        self._known(day)
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The date N working days after `start` (start itself does not count)."""
        if n < 0:
            raise ValueError("n must not be negative")
        known = self._after.get((start, n))
        if known is not None:
            return known
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        if len(self._after) >= 4096:  # a long-running process meets a few new days a day
            self._after.clear()
        self._after[(start, n)] = day
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

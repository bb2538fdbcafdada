"""The PRC working-day calendar (public holidays and make-up working days) and deadline helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from hub.domain.errors import CalendarYearUnknown


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working days are Monday–Friday, minus public holidays, plus make-up working days (调休).

    `years` are all the years it answers for; `provisional_years` (a part of them) have no
    official schedule yet: their holidays are the statutory ones alone, without 调休.
    `on_provisional` is told the first time each provisional year is asked about.
    """

    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    years: frozenset[int]
    provisional_years: frozenset[int] = frozenset()
    on_provisional: Callable[[int], None] | None = field(
        default=None, repr=False, compare=False, hash=False)
    _told: set[int] = field(
        default_factory=set, init=False, repr=False, compare=False, hash=False)
    _after: dict[tuple[date, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)
    """add_working_days() answers given (every letter of a day asks the same question)."""

    @classmethod
    def from_dates(
        cls,
        holidays: Iterable[date],
        makeup_workdays: Iterable[date],
        years: Iterable[int],
        provisional_years: Iterable[int] = (),
        on_provisional: Callable[[int], None] | None = None,
    ) -> WorkingDayCalendar:
        provisional = frozenset(provisional_years)
        return cls(frozenset(holidays), frozenset(makeup_workdays),
                   frozenset(years) | provisional, provisional, on_provisional)

    def is_provisional(self, year: int) -> bool:
        """True for a year known only from the statutory holidays (no official schedule yet)."""
        return year in self.provisional_years

    def _known(self, day: date) -> None:
        year = day.year
        if year not in self.years:
            known = f"{min(self.years)}–{max(self.years)}" if self.years else "none"
            if self.provisional_years:
                known += (f", of which {min(self.provisional_years)}–"
                          f"{max(self.provisional_years)} provisional")
            raise CalendarYearUnknown(
                f"the working-day calendar has no holiday data for {year} "
                f"(known years: {known}); update the calendar data before using that year"
            )
        if year in self.provisional_years and year not in self._told:
            self._told.add(year)
            if self.on_provisional is not None:
                self.on_provisional(year)

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

"""Loads the PRC holiday data from the maintained `chinesecalendar` package."""

from __future__ import annotations

from functools import cache

from hub.domain.calendar import WorkingDayCalendar


@cache
def prc_calendar() -> WorkingDayCalendar:
    """The working-day calendar with every year `chinesecalendar` publishes."""
    import chinese_calendar

    years = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    # Holidays that fall on a weekend do not change the count; keep them all anyway.
    return WorkingDayCalendar.from_dates(
        holidays=chinese_calendar.holidays.keys(),
        makeup_workdays=chinese_calendar.workdays.keys(),
        years=years,
    )

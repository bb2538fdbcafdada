"""Loads the PRC holiday data from `chinesecalendar`, with provisional years computed after it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import structlog

from hub.domain.calendar import WorkingDayCalendar

log = structlog.get_logger(__name__)

PROVISIONAL_YEARS_AHEAD = 10
"""Years after the last official schedule that get a provisional calendar; later ones are
refused (CalendarYearUnknown) rather than guessed."""


def statutory_holidays(year: int) -> list[date]:
    """The days off that 《全国年节及纪念日放假办法》 (as revised 2024-11-10, in force from
    2025) fixes for `year`, without the make-up working days (调休) only the yearly notice sets."""
    import chinese_calendar
    from lunardate import LunarDate

    new_year = LunarDate(year, 1, 1).to_solar_date()  # 正月初一
    qingming = [d for d, name in chinese_calendar.get_solar_terms(
        date(year, 4, 1), date(year, 4, 30)) if name == "清明"]
    return [
        date(year, 1, 1),  # 元旦
        *(new_year + timedelta(days=k) for k in range(-1, 3)),  # 春节: 除夕, 初一–初三
        *qingming,  # 清明节
        date(year, 5, 1), date(year, 5, 2),  # 劳动节
        LunarDate(year, 5, 5).to_solar_date(),  # 端午节
        LunarDate(year, 8, 15).to_solar_date(),  # 中秋节
        date(year, 10, 1), date(year, 10, 2), date(year, 10, 3),  # 国庆节
    ]


def _provisional_year_used(year: int) -> None:
    log.warning(
        "calendar_year_provisional", year=year,
        detail=f"no official holiday schedule for {year} in chinesecalendar: deadlines use the "
               "statutory holidays without 调休; upgrade chinesecalendar once the State Council "
               "publishes it")


@cache
def prc_calendar() -> WorkingDayCalendar:
    """The process's working-day calendar (see `build_prc_calendar`)."""
    return build_prc_calendar()


def build_prc_calendar(official_until: int | None = None) -> WorkingDayCalendar:
    """Every year `chinesecalendar` publishes (up to `official_until`, if given), then
    provisional years (statutory holidays only) up to PROVISIONAL_YEARS_AHEAD after the last."""
    import chinese_calendar

    def official(day: date) -> bool:
        return official_until is None or day.year <= official_until

    holidays = [d for d in chinese_calendar.holidays if official(d)]
    workdays = [d for d in chinese_calendar.workdays if official(d)]
    years = {d.year for d in holidays} | {d.year for d in workdays}
    last = max(years)
    provisional = range(last + 1, min(last + PROVISIONAL_YEARS_AHEAD, 2099) + 1)
    # Holidays that fall on a weekend do not change the count; keep them all anyway.
    return WorkingDayCalendar.from_dates(
        holidays=[*holidays, *(d for y in provisional for d in statutory_holidays(y))],
        makeup_workdays=workdays,
        years=years,
        provisional_years=provisional,
        on_provisional=_provisional_year_used,
    )

"""The PRC working-day calendar: holidays, make-up working days (调休) and deadline arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from structlog.testing import capture_logs

from hub.domain.calendar import WorkingDayCalendar
from hub.domain.errors import CalendarYearUnknown, HubError
from hub.infra.calendar_data import (
    PROVISIONAL_YEARS_AHEAD,
    build_prc_calendar,
    prc_calendar,
    statutory_holidays,
)

D = date


@pytest.fixture(scope="module")
def prc() -> WorkingDayCalendar:
    return prc_calendar()


# --- the data behind prc_calendar


def test_prc_calendar_is_cached_and_knows_2026(prc: WorkingDayCalendar) -> None:
    assert prc_calendar() is prc
    assert 2026 in prc.years
    assert not prc.is_provisional(2026)
    assert 2026 + PROVISIONAL_YEARS_AHEAD + 1 not in prc.years


def test_national_day_2026_is_in_the_data() -> None:
    assert D(2026, 10, 1) in chinese_calendar.holidays
    assert D(2026, 10, 10) in chinese_calendar.workdays  # Saturday, make-up for National Day


def test_holidays_and_makeup_days_of_the_package_are_used(prc: WorkingDayCalendar) -> None:
    for day in chinese_calendar.workdays:
        assert prc.is_working_day(day), day
    for day in chinese_calendar.holidays:
        assert not prc.is_working_day(day), day


# --- is_working_day


@pytest.mark.parametrize(
    "day",
    [D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)],
)
def test_national_day_holiday_weekdays_are_not_working_days(
    prc: WorkingDayCalendar, day: date
) -> None:
    assert day.weekday() < 5
    assert not prc.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 2, 14),  # Saturday, Spring Festival
        D(2026, 2, 28),  # Saturday, Spring Festival
        D(2026, 5, 9),  # Saturday, Labour Day
        D(2026, 10, 10),  # Saturday, National Day
        D(2026, 1, 4),  # Sunday, New Year's Day
        D(2026, 9, 20),  # Sunday, National Day
    ],
)
def test_2026_makeup_weekend_days_are_working_days(prc: WorkingDayCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert day in chinese_calendar.workdays
    assert prc.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 3, 9), True),  # ordinary Monday
        (D(2026, 3, 13), True),  # ordinary Friday
        (D(2026, 3, 14), False),  # ordinary Saturday
        (D(2026, 3, 15), False),  # ordinary Sunday
        (D(2026, 10, 8), True),  # Thursday after National Day
        (D(2026, 2, 16), False),  # Spring Festival Monday
        (D(2026, 1, 1), False),  # New Year's Day (Thursday)
    ],
)
def test_ordinary_days(prc: WorkingDayCalendar, day: date, working: bool) -> None:
    assert prc.is_working_day(day) is working


# --- add_working_days over the real holidays


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # National Day 2026: 1–7 October off, Saturday 10 October worked.
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 2, D(2026, 10, 9)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the make-up Saturday counts
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 10, 1), 1, D(2026, 10, 8)),  # starting on the holiday itself
        # Spring Festival 2026: 15–23 February off, Saturdays 14 and 28 February worked.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        # 10 working days from a Friday.
        (D(2026, 3, 6), 10, D(2026, 3, 20)),  # no holiday in between: two whole weeks
        (D(2026, 9, 18), 10, D(2026, 10, 9)),  # over Mid-Autumn, National Day and Sun 20 Sep
        # Zero days is the start itself.
        (D(2026, 3, 6), 0, D(2026, 3, 6)),
        (D(2026, 10, 3), 0, D(2026, 10, 3)),
    ],
)
def test_add_working_days(prc: WorkingDayCalendar, start: date, n: int, expected: date) -> None:
    assert prc.add_working_days(start, n) == expected


def test_add_working_days_result_is_a_working_day(prc: WorkingDayCalendar) -> None:
    s = D(2025, 1, 1)
    while s < D(2026, 12, 1):
        for n in (1, 5, 10):
            result = prc.add_working_days(s, n)
            assert result > s
            assert prc.is_working_day(result)
        s += timedelta(days=1)


def test_add_working_days_refuses_negative(prc: WorkingDayCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        prc.add_working_days(D(2026, 3, 6), -1)


# --- unknown years


def test_unknown_year_is_refused_naming_the_year(prc: WorkingDayCalendar) -> None:
    with pytest.raises(CalendarYearUnknown, match="2100") as info:
        prc.is_working_day(D(2100, 6, 1))
    assert isinstance(info.value, HubError)
    assert info.value.code == "calendar_year_unknown"
    assert f"{min(prc.years)}–{max(prc.years)}" in info.value.message


def test_add_working_days_in_an_unknown_year_raises(prc: WorkingDayCalendar) -> None:
    with pytest.raises(CalendarYearUnknown, match="2100"):
        prc.add_working_days(D(2100, 3, 1), 1)


def test_deadline_running_past_the_last_known_year_raises(prc: WorkingDayCalendar) -> None:
    last = max(prc.years)
    with pytest.raises(CalendarYearUnknown, match=str(last + 1)):
        prc.add_working_days(D(last, 12, 31), 1)


def test_working_days_between_in_an_unknown_year_raises(prc: WorkingDayCalendar) -> None:
    with pytest.raises(CalendarYearUnknown, match="2100"):
        prc.working_days_between(D(2100, 1, 1), D(2100, 1, 10))


def test_years_before_the_data_are_unknown_too(prc: WorkingDayCalendar) -> None:
    first = min(prc.years)
    with pytest.raises(CalendarYearUnknown, match=str(first - 1)):
        prc.is_working_day(D(first - 1, 7, 1))


# --- working_days_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 9, 30), D(2026, 10, 8), 1),
        (D(2026, 9, 30), D(2026, 10, 7), 0),
        (D(2026, 2, 13), D(2026, 2, 28), 6),
        (D(2026, 3, 6), D(2026, 3, 20), 10),
        (D(2026, 3, 6), D(2026, 3, 6), 0),
        (D(2026, 3, 20), D(2026, 3, 6), 0),  # end before start
    ],
)
def test_working_days_between(
    prc: WorkingDayCalendar, start: date, end: date, expected: int
) -> None:
    assert prc.working_days_between(start, end) == expected


@pytest.mark.parametrize("start", [D(2025, 9, 26), D(2026, 2, 13), D(2026, 9, 18), D(2026, 12, 1)])
def test_working_days_between_agrees_with_add_working_days(
    prc: WorkingDayCalendar, start: date
) -> None:
    for n in range(0, 16):
        end = prc.add_working_days(start, n)
        assert prc.working_days_between(start, end) == n
        # Any day strictly before the deadline has fewer than n working days.
        if n:
            assert prc.working_days_between(start, end - timedelta(days=1)) == n - 1


def test_working_days_between_over_a_whole_year(prc: WorkingDayCalendar) -> None:
    # 2026: 365 days, 104 weekend days; 6 make-up weekend days worked; weekday holidays off.
    weekday_holidays = sum(
        1 for d in chinese_calendar.holidays if d.year == 2026 and d.weekday() < 5
    )
    expected = 365 - 104 + 6 - weekday_holidays
    assert prc.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == expected


# --- the pure calendar with hand-made data


@pytest.fixture
def toy() -> WorkingDayCalendar:
    # March 2030: Fri 1, Sat 2, Sun 3, Mon 4 ... Holiday Mon 4 and Tue 5; Sat 9 worked.
    return WorkingDayCalendar.from_dates(
        holidays=[D(2030, 3, 4), D(2030, 3, 5)],
        makeup_workdays=[D(2030, 3, 9)],
        years=[2030],
    )


def test_from_dates_builds_frozensets(toy: WorkingDayCalendar) -> None:
    assert toy.holidays == frozenset({D(2030, 3, 4), D(2030, 3, 5)})
    assert toy.makeup_workdays == frozenset({D(2030, 3, 9)})
    assert toy.years == frozenset({2030})
    with pytest.raises(AttributeError):
        toy.years = frozenset()  # type: ignore[misc]


def test_from_dates_accepts_generators() -> None:
    cal = WorkingDayCalendar.from_dates((d for d in [D(2030, 1, 1)]), iter([]), (y for y in [2030]))
    assert not cal.is_working_day(D(2030, 1, 1))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2030, 3, 1), True),  # Friday
        (D(2030, 3, 2), False),  # Saturday
        (D(2030, 3, 3), False),  # Sunday
        (D(2030, 3, 4), False),  # holiday Monday
        (D(2030, 3, 5), False),  # holiday Tuesday
        (D(2030, 3, 6), True),  # Wednesday
        (D(2030, 3, 9), True),  # make-up Saturday
        (D(2030, 3, 10), False),  # Sunday
    ],
)
def test_toy_is_working_day(toy: WorkingDayCalendar, day: date, working: bool) -> None:
    assert toy.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2030, 3, 1), 1, D(2030, 3, 6)),  # over the weekend and both holidays
        (D(2030, 3, 1), 4, D(2030, 3, 9)),  # Wed, Thu, Fri, make-up Sat
        (D(2030, 3, 1), 5, D(2030, 3, 11)),
        (D(2030, 3, 2), 0, D(2030, 3, 2)),
        (D(2030, 3, 8), 10, D(2030, 3, 21)),  # from a Friday, make-up Saturday counts
        (D(2030, 3, 15), 10, D(2030, 3, 29)),  # from a plain Friday: two whole weeks
    ],
)
def test_toy_add_working_days(toy: WorkingDayCalendar, start: date, n: int, expected: date) -> None:
    assert toy.add_working_days(start, n) == expected
    assert toy.working_days_between(start, expected) == n


def test_makeup_wins_over_holiday_if_both_list_a_day() -> None:
    cal = WorkingDayCalendar.from_dates([D(2030, 3, 9)], [D(2030, 3, 9)], [2030])
    assert cal.is_working_day(D(2030, 3, 9))


def test_holiday_on_a_weekend_changes_nothing() -> None:
    plain = WorkingDayCalendar.from_dates([], [], [2030])
    with_weekend_holiday = WorkingDayCalendar.from_dates([D(2030, 3, 2)], [], [2030])
    assert plain.add_working_days(D(2030, 3, 1), 3) == with_weekend_holiday.add_working_days(
        D(2030, 3, 1), 3
    )


def test_toy_unknown_year_message(toy: WorkingDayCalendar) -> None:
    with pytest.raises(CalendarYearUnknown) as info:
        toy.add_working_days(D(2030, 12, 31), 1)
    assert "2031" in info.value.message
    assert "2030–2030" in info.value.message


def test_calendar_with_no_years_knows_nothing() -> None:
    empty = WorkingDayCalendar.from_dates([], [], [])
    with pytest.raises(CalendarYearUnknown, match="known years: none"):
        empty.is_working_day(D(2026, 1, 5))


def test_years_need_not_be_contiguous() -> None:
    cal = WorkingDayCalendar.from_dates([], [], [2030, 2032])
    assert cal.is_working_day(D(2032, 3, 1))
    with pytest.raises(CalendarYearUnknown, match="2031"):
        cal.is_working_day(D(2031, 3, 3))


# --- provisional years: the statutory holidays alone, until chinesecalendar has the schedule


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_holidays_agree_with_the_official_schedule(year: int) -> None:
    # Under the rules in force since 2025 every day computed is a holiday in the official data.
    computed = statutory_holidays(year)
    assert len(set(computed)) == 13
    for day in computed:
        assert day in chinese_calendar.holidays, day


@pytest.mark.parametrize("year", range(2014, 2027))
def test_lunar_and_solar_term_festivals_agree_with_the_official_schedule(year: int) -> None:
    # 正月初一–初三, 清明, 端午 and 中秋 have been holidays since 2014 under the older rules too.
    computed = statutory_holidays(year)
    lunar = [*computed[2:5], computed[5], computed[8], computed[9]]
    for day in lunar:
        assert day in chinese_calendar.holidays, day


@pytest.mark.parametrize(
    ("year", "spring_festival", "qingming", "dragon_boat", "mid_autumn"),
    [
        (2025, D(2025, 1, 29), D(2025, 4, 4), D(2025, 5, 31), D(2025, 10, 6)),
        (2026, D(2026, 2, 17), D(2026, 4, 5), D(2026, 6, 19), D(2026, 9, 25)),
        (2027, D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
        (2028, D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
    ],
)
def test_statutory_holidays_of_a_year(
    year: int, spring_festival: date, qingming: date, dragon_boat: date, mid_autumn: date
) -> None:
    computed = set(statutory_holidays(year))
    expected = {
        D(year, 1, 1),
        spring_festival - timedelta(days=1), spring_festival,
        spring_festival + timedelta(days=1), spring_festival + timedelta(days=2),
        qingming, D(year, 5, 1), D(year, 5, 2), dragon_boat, mid_autumn,
        D(year, 10, 1), D(year, 10, 2), D(year, 10, 3),
    }
    assert computed == expected


def test_the_years_after_the_official_data_are_provisional(prc: WorkingDayCalendar) -> None:
    official = {d.year for d in chinese_calendar.holidays}
    last = max(official)
    assert all(not prc.is_provisional(y) for y in official)
    assert sorted(prc.provisional_years) == list(
        range(last + 1, last + PROVISIONAL_YEARS_AHEAD + 1))
    assert not prc.is_provisional(last + PROVISIONAL_YEARS_AHEAD + 1)


@pytest.fixture(scope="module")
def after_2026() -> WorkingDayCalendar:
    """The calendar as chinesecalendar 1.11.0 gives it: official up to 2026, then provisional
    (a later release with 2027 must not change what these tests check)."""
    return build_prc_calendar(official_until=2026)


def test_official_data_is_taken_up_to_the_given_year(after_2026: WorkingDayCalendar) -> None:
    assert max(after_2026.years - after_2026.provisional_years) == 2026
    assert after_2026.provisional_years == frozenset(range(2027, 2037))
    assert not after_2026.is_working_day(D(2026, 10, 7))  # official National Day week
    assert after_2026.is_working_day(D(2026, 10, 10))  # official 调休 Saturday


@pytest.mark.parametrize(
    "day",
    [D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 9)],  # 除夕 Fri, 初三 Mon, Tue after it
)
def test_spring_festival_2027_days_are_no_working_days(
    after_2026: WorkingDayCalendar, day: date
) -> None:
    assert after_2026.is_provisional(2027)
    # 除夕 Friday 5 Feb, 初一–初二 the weekend, 初三 Monday 8 Feb; Tuesday 9 Feb is worked.
    assert after_2026.is_working_day(day) is (day == D(2027, 2, 9))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Receipt Monday 28 Dec 2026: New Year's Day 2027 (Friday) is off.
        (D(2026, 12, 28), 10, D(2027, 1, 12)),
        (D(2026, 12, 28), 3, D(2026, 12, 31)),
        (D(2026, 12, 29), 3, D(2027, 1, 4)),
        # Over Spring Festival 2027: Thu 4 Feb, then Tue 9 Feb.
        (D(2027, 2, 4), 1, D(2027, 2, 9)),
        # Over National Day 2027 (Fri 1 Oct) and the weekend: Mon 4 Oct is worked, no 调休.
        (D(2027, 9, 30), 1, D(2027, 10, 4)),
    ],
)
def test_2027_deadlines_compute(
    after_2026: WorkingDayCalendar, start: date, n: int, expected: date
) -> None:
    assert after_2026.add_working_days(start, n) == expected
    assert after_2026.working_days_between(start, expected) == n


def test_2027_deadlines_compute_in_the_process_calendar(prc: WorkingDayCalendar) -> None:
    due = prc.add_working_days(D(2026, 12, 28), 10)  # whatever chinesecalendar knows of 2027
    assert due.year == 2027 and prc.is_working_day(due)


def test_beyond_the_provisional_horizon_is_refused(after_2026: WorkingDayCalendar) -> None:
    assert after_2026.add_working_days(D(2036, 12, 30), 1) == D(2036, 12, 31)
    with pytest.raises(CalendarYearUnknown, match="2037") as info:
        after_2026.add_working_days(D(2036, 12, 31), 1)
    assert "2004–2036, of which 2027–2036 provisional" in info.value.message
    with pytest.raises(CalendarYearUnknown, match="2100"):
        after_2026.is_working_day(D(2100, 1, 4))


def test_a_provisional_year_is_logged_once_per_calendar() -> None:
    fresh = build_prc_calendar(official_until=2026)  # not the process's, which may have told
    with capture_logs() as logs:
        fresh.add_working_days(D(2026, 12, 28), 10)
        fresh.add_working_days(D(2027, 3, 1), 10)
        fresh.is_working_day(D(2027, 5, 3))
        fresh.is_working_day(D(2026, 5, 6))  # official: nothing to tell
    told = [e for e in logs if e["event"] == "calendar_year_provisional"]
    assert [e["year"] for e in told] == [2027]
    assert told[0]["log_level"] == "warning"


def test_toy_provisional_year_tells_its_hook_once() -> None:
    told: list[int] = []
    cal = WorkingDayCalendar.from_dates(
        [D(2031, 1, 1)], [], [2030], provisional_years=[2031], on_provisional=told.append)
    assert cal.years == frozenset({2030, 2031})
    assert not cal.is_provisional(2030) and cal.is_provisional(2031)
    assert cal.is_working_day(D(2030, 12, 31)) and told == []
    assert not cal.is_working_day(D(2031, 1, 1))
    assert cal.add_working_days(D(2030, 12, 31), 1) == D(2031, 1, 2)
    assert told == [2031]

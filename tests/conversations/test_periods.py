"""Calendar arithmetic of the date reader: the corpus conventions as tables."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.periods import (
    calendar_date,
    day_of_month,
    day_window,
    hour_of_day,
    next_weekday,
    week_window,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        (0, date(2026, 11, 30)),
        (2, date(2026, 12, 2)),  # today's weekday names next week's day
        (3, date(2026, 11, 26)),
        (6, date(2026, 11, 29)),
    ],
)
def test_a_weekday_is_its_next_occurrence_after_today(weekday, expected):
    assert next_weekday(WEDNESDAY, weekday) == expected


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        (3, 12, None, date(2026, 12, 3)),
        (25, 11, None, date(2026, 11, 25)),  # today
        (24, 11, None, date(2027, 11, 24)),  # earlier than today: next year
        (2, 1, None, date(2027, 1, 2)),
        (29, 2, None, date(2028, 2, 29)),  # the next leap year
        (31, 2, None, None),
        (3, 12, 26, date(2026, 12, 3)),
        (3, 12, 2025, None),  # written with a year that has passed
        (0, 12, None, None),
    ],
)
def test_calendar_dates(day, month, year, expected):
    assert calendar_date(WEDNESDAY, day, month, year) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (2, date(2026, 12, 2)),
        (25, date(2026, 11, 25)),  # today
        (30, date(2026, 11, 30)),
        (31, date(2026, 12, 31)),  # November has no 31st
    ],
)
def test_a_day_of_the_month_alone_is_the_next_such_day(day, expected):
    assert day_of_month(WEDNESDAY, day) == expected


@pytest.mark.parametrize(
    ("hour", "minute", "meridiem", "literal", "period", "expected"),
    [
        (3, 0, None, False, None, (15, 0)),  # bare 1–7: afternoon
        (7, 30, None, False, None, (19, 30)),
        (8, 0, None, False, None, (8, 0)),  # bare 8–12: as written
        (12, 0, None, False, None, (12, 0)),
        (0, 30, None, False, None, (0, 30)),
        (3, 0, None, True, None, (3, 0)),  # "03:00"
        (7, 0, None, False, "morning", (7, 0)),
        (8, 0, None, False, "evening", (20, 0)),
        (12, 0, 0, False, None, (0, 0)),  # 12am
        (12, 0, 12, False, None, (12, 0)),  # 12pm
        (9, 15, 12, False, None, (21, 15)),
        (25, 0, None, False, None, None),
        (24, 0, None, False, None, None),
        (10, 60, None, False, None, None),
        (0, 0, 12, False, None, None),
    ],
)
def test_hour_of_day(hour, minute, meridiem, literal, period, expected):
    got = hour_of_day(hour, minute, meridiem=meridiem, literal=literal, period=period)
    assert got == expected


def test_windows_of_the_day():
    thursday = date(2026, 11, 26)
    assert day_window(thursday, BERLIN, "afternoon") == (
        datetime(2026, 11, 26, 12, tzinfo=BERLIN),
        datetime(2026, 11, 26, 18, tzinfo=BERLIN),
    )
    assert day_window(thursday, BERLIN) == (
        datetime(2026, 11, 26, tzinfo=BERLIN),
        datetime(2026, 11, 27, tzinfo=BERLIN),
    )


@pytest.mark.parametrize(
    ("today", "kind", "shift", "first", "last"),
    [
        (WEDNESDAY, "next", 0, date(2026, 11, 30), date(2026, 12, 7)),
        (WEDNESDAY, "next", 1, date(2026, 12, 7), date(2026, 12, 14)),
        (WEDNESDAY, "this", 0, date(2026, 11, 23), date(2026, 11, 30)),
        (WEDNESDAY, "weekend", 0, date(2026, 11, 28), date(2026, 11, 30)),
        (date(2026, 11, 28), "weekend", 0, date(2026, 11, 28), date(2026, 11, 30)),  # Saturday
        (date(2026, 11, 29), "weekend", 0, date(2026, 11, 28), date(2026, 11, 30)),  # Sunday
        (date(2026, 11, 30), "next", 0, date(2026, 12, 7), date(2026, 12, 14)),  # Monday
    ],
)
def test_week_windows(today, kind, shift, first, last):
    assert week_window(today, kind, shift, BERLIN) == (
        datetime.combine(first, datetime.min.time(), tzinfo=BERLIN),
        datetime.combine(last, datetime.min.time(), tzinfo=BERLIN),
    )

"""Calendar arithmetic for the date reader: the days, hours and windows a customer's words name, in
the business's zone, by the conventions in tests/conversations/corpus/README.md (a weekday is its
next occurrence, a bare hour 1–7 is the afternoon …).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from conversations.lexicon import PERIOD_HOURS

Window = tuple[datetime, datetime]


def at(day: date, hour: int, minute: int, zone: tzinfo | None) -> datetime:
    """The wall-clock time `hour:minute` on `day` in `zone`. Every datetime is built this
    way, so a day after a DST switch gets that day's offset."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def day_window(day: date, zone: tzinfo | None, period: str = "day") -> Window:
    """[from, to) of `period` ("morning", "afternoon", "evening", "day") on `day`."""
    first, last = PERIOD_HOURS[period]
    end = at(day + timedelta(days=1), 0, 0, zone) if last == 24 else at(day, last, 0, zone)
    return at(day, first, 0, zone), end


def next_weekday(today: date, weekday: int) -> date:
    """The first `weekday` (Monday 0) after `today`: on a Wednesday, "Mittwoch" is in a week."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_window(today: date, kind: str, shift: int, zone: tzinfo | None) -> Window:
    """ "this"/"next" week (Monday to Monday) or the coming "weekend" (Saturday to Monday)."""
    if kind == "weekend":
        # On a Sunday the weekend under way is meant.
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today - timedelta(days=1)
        first = saturday + timedelta(weeks=shift)
        return at(first, 0, 0, zone), at(first + timedelta(days=2), 0, 0, zone)
    first = monday(today) + timedelta(weeks=shift + (kind == "next"))
    return at(first, 0, 0, zone), at(first + timedelta(weeks=1), 0, 0, zone)


def calendar_date(today: date, day: int, month: int, year: int | None) -> date | None:
    """The date `day.month.` (of `year`); without a year the next one on or after today.
    None for an impossible date ("31.2.") or one written with a year that has passed."""
    if year is not None:
        year = year + 2000 if year < 100 else year
        found = _date(year, month, day)
        return found if found and found >= today else None
    for candidate in range(today.year, today.year + 5):  # 29.2. may wait for a leap year
        found = _date(candidate, month, day)
        if found and found >= today:
            return found
    return None


def day_of_month(today: date, day: int) -> date | None:
    """ "the 2nd": this month's when still to come (today included), else the next month's
    that has such a day."""
    year, month = today.year, today.month
    for _ in range(3):
        found = _date(year, month, day)
        if found and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def hour_of_day(
    hour: int, minute: int, *, meridiem: int | None, literal: bool, period: str | None
) -> tuple[int, int] | None:
    """The 24-hour time a customer means, or None when it is impossible ("25 Uhr", "13pm").

    am/pm and 24-hour forms are taken as written; a part of the day moves a
    small hour into it ("8 abends" → 20:00); otherwise 1–7 is the afternoon.
    """
    if not 0 <= minute <= 59:
        return None
    if meridiem is not None:
        if 1 <= hour <= 12:
            return (hour % 12 + meridiem, minute)
        return (hour, minute) if meridiem == 12 and 13 <= hour <= 23 else None
    if not 0 <= hour <= 23:
        return None
    if literal or hour == 0 or hour >= 13:
        return hour, minute
    if period in ("afternoon", "evening"):
        return (hour + 12 if hour < 12 else hour), minute
    if period == "morning":
        return hour, minute
    return (hour + 12 if hour <= 7 else hour), minute


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None

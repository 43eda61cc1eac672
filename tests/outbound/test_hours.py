"""The next moment a location is open (R4.6), pure."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from outbound.policy.hours import next_opening

BERLIN = ZoneInfo("Europe/Berlin")
SALON = {
    **{weekday: ((time(9), time(13)), (time(14), time(18))) for weekday in range(5)},
    5: ((time(10), time(14)),),
}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)  # 23 Nov 2026 is a Monday


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(25, 10), at(25, 10)),  # open: unchanged
        (at(25, 7, 30), at(25, 9)),  # before opening
        (at(25, 13, 15), at(25, 14)),  # lunch break
        (at(25, 18), at(26, 9)),  # closing time is closed
        (at(27, 20), at(28, 10)),  # Friday evening → Saturday
        (at(28, 15), at(30, 9)),  # Saturday afternoon → Monday, over the closed Sunday
    ],
)
def test_next_opening(moment, expected):
    assert next_opening(moment, SALON, "Europe/Berlin") == expected


def test_no_opening_hours_gives_none():
    assert next_opening(at(25, 10), {}, "Europe/Berlin") is None


def test_across_the_end_of_summer_time():
    # 25 Oct 2026: clocks go back at 03:00; Monday's opening is still 09:00 local.
    sunday_night = datetime(2026, 10, 25, 23, 0, tzinfo=BERLIN)
    monday = next_opening(sunday_night, SALON, "Europe/Berlin")
    assert monday == datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN)
    assert monday.utcoffset().total_seconds() == 3600

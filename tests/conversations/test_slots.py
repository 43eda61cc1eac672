"""Free times for a move: opening hours, the diary, spacing of offers (pure)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.slots import Availability

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)  # a Wednesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """November/December 2026 in Berlin: at(27, 15) is Friday 27.11. 15:00."""
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


SALON = Availability(
    zone="Europe/Berlin",
    opening={
        **{weekday: ((time(9), time(13)), (time(14), time(18))) for weekday in range(5)},
        5: ((time(9), time(14)),),
    },
    busy=((at(27, 15), at(27, 16)), (at(27, 16), at(27, 16, 45))),
    duration=timedelta(minutes=45),
    earliest=NOW + timedelta(hours=1),
)


def test_free_inside_opening_hours_and_outside_the_diary():
    assert SALON.is_free(at(27, 10))
    assert SALON.is_free(at(27, 17, 15))  # ends 18:00 sharp


def test_not_free_when_booked_closed_or_too_soon():
    assert not SALON.is_free(at(27, 15, 30))  # overlaps 15:00–16:00
    assert not SALON.is_free(at(27, 14, 30))  # would run into the 15:00 booking
    assert not SALON.is_free(at(27, 12, 30))  # runs into the lunch break
    assert not SALON.is_free(at(29, 10))  # Sunday
    assert not SALON.is_free(at(28, 13, 30))  # Saturday closes at 14:00
    assert not SALON.is_free(NOW + timedelta(minutes=30))  # less than an hour's notice
    assert not SALON.is_free(NOW + timedelta(days=120))  # beyond the horizon


def test_nearest_offers_surround_a_taken_wish_and_are_spread():
    # 15:00–16:45 is booked; 14:15 ends as the booking starts, 16:45 starts as it ends.
    assert SALON.nearest(at(27, 15)) == [at(27, 14, 15), at(27, 16, 45), at(27, 17, 15)]


def test_within_a_period_offers_free_starts_spread_over_it():
    afternoon = (at(27, 12), at(27, 18))
    assert SALON.within(afternoon) == [at(27, 12), at(27, 14), at(27, 16, 45)]


def test_a_period_with_nothing_free_offers_nothing():
    sunday = (at(29, 0), at(30, 0))
    assert SALON.within(sunday) == []


def test_no_opening_hours_means_nothing_is_free():
    closed = Availability(
        zone="Europe/Berlin", opening={}, busy=(), duration=timedelta(minutes=30), earliest=NOW
    )
    assert not closed.has_opening_hours
    assert closed.nearest(at(27, 10)) == []

"""Working hours for sending: the next moment a location is open (R4.6).

A rule marked "send only during working hours" holds a notice that falls
outside the opening hours of the record's location until the next opening.
Pure: opening hours in local time per weekday, an aware instant in, an
aware instant out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

OpeningHours = Mapping[int, tuple[tuple[time, time], ...]]  # weekday (0 = Monday) → ranges

LOOKAHEAD_DAYS = 14


def next_opening(moment: datetime, opening: OpeningHours, zone: str) -> datetime | None:
    """`moment` if the location is open then, else the start of its next opening range.

    Returns None when the location has no opening hours in the next two weeks,
    so the caller can say why it cannot hold the notice.
    """
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for opens, closes in sorted(opening.get(day.weekday(), ())):
            start = datetime.combine(day, opens, tzinfo=tz)
            end = datetime.combine(day, closes, tzinfo=tz)
            if moment < start:
                return start
            if moment < end:
                return moment
    return None

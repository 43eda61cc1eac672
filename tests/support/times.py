"""Wall-clock times in the test salon's timezone (Berlin), relative to today."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_time(days_ahead: int, hour: int = 14, minute: int = 0) -> datetime:
    """`hour:minute` in Berlin `days_ahead` days from today."""
    day = (datetime.now(BERLIN) + timedelta(days=days_ahead)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)

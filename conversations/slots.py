"""Free times for moving an appointment: `Availability`, handed the opening hours, the staff
member's other bookings, the appointment's length and the earliest start allowed, answers whether a
start is free, which free starts lie nearest a wished-for time and which lie inside a period the
customer named.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]

OFFER_COUNT = 3
NEAREST_SPACING = timedelta(minutes=30)  # offers spread out, not a quarter-hour apart
WINDOW_SPACING = timedelta(hours=1)
SEARCH_DAYS = 14  # how far around a wish the nearest free starts are looked for


@dataclass(frozen=True)
class Availability:
    """When one appointment could take place instead.

    `opening` maps a weekday (0 = Monday) to its opening ranges in local time;
    `busy` holds the staff member's other bookings; `earliest` is the first
    start allowed (not in the past, not too short notice); `horizon` how far
    ahead a move may go.
    """

    zone: str
    opening: Mapping[int, tuple[tuple[time, time], ...]]
    busy: tuple[Interval, ...]
    duration: timedelta
    earliest: datetime
    step: timedelta = timedelta(minutes=15)  # starts lie on this grid from each opening
    horizon: timedelta = timedelta(days=90)

    @property
    def has_opening_hours(self) -> bool:
        return any(self.opening.values())

    def is_open(self, start: datetime) -> bool:
        """True when the location is open for the whole appointment from `start`."""
        end = start + self.duration
        local = start.astimezone(ZoneInfo(self.zone))
        return any(
            self._at(local.date(), opens) <= start and end <= self._at(local.date(), closes)
            for opens, closes in self.opening.get(local.weekday(), ())
        )

    def is_free(self, start: datetime) -> bool:
        """True when an appointment of `duration` can start at `start`."""
        if start < self.earliest or start > self.earliest + self.horizon:
            return False
        end = start + self.duration
        return self.is_open(start) and not any(
            start < taken_end and taken_start < end for taken_start, taken_end in self.busy
        )

    def nearest(self, wish: datetime, count: int = OFFER_COUNT) -> list[datetime]:
        """Up to `count` free starts closest to `wish` (later ones win a tie), in time order."""
        span = timedelta(days=SEARCH_DAYS)
        candidates = sorted(
            self.free_starts(wish - span, wish + span),
            key=lambda start: (abs(start - wish), start < wish),
        )
        return sorted(_spread(candidates, count, NEAREST_SPACING))

    def within(self, window: Interval, count: int = OFFER_COUNT) -> list[datetime]:
        """Up to `count` free starts inside `window`, spread over it, in time order:
        for "next week" Monday, midweek and Friday rather than Monday 9, 10 and 11."""
        candidates = list(self.free_starts(*window))
        if len(candidates) > count:
            # Prefer evenly spaced candidates, then fill up from the rest.
            stride = len(candidates) / count
            evenly = [candidates[int(i * stride)] for i in range(count)]
            candidates = evenly + [c for c in candidates if c not in evenly]
        return sorted(_spread(candidates, count, WINDOW_SPACING))

    def free_starts(self, begin: datetime, end: datetime) -> Iterator[datetime]:
        """Every free start on the grid from `begin` (inclusive) to `end` (exclusive)."""
        zone = ZoneInfo(self.zone)
        begin = max(begin, self.earliest)
        end = min(end, self.earliest + self.horizon)
        day = begin.astimezone(zone).date()
        while day <= end.astimezone(zone).date():
            for opens, closes in self.opening.get(day.weekday(), ()):
                start, closing = self._at(day, opens), self._at(day, closes)
                while start + self.duration <= closing:
                    if begin <= start < end and self.is_free(start):
                        yield start
                    start += self.step
            day += timedelta(days=1)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=ZoneInfo(self.zone))


def _spread(candidates: list[datetime], count: int, spacing: timedelta) -> list[datetime]:
    """The first `count` candidates (in the given order of preference) at least
    `spacing` apart from each other."""
    chosen: list[datetime] = []
    for candidate in candidates:
        if all(abs(candidate - other) >= spacing for other in chosen):
            chosen.append(candidate)
            if len(chosen) == count:
                break
    return chosen

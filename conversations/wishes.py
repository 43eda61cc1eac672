"""From the parts of time expressions to the one new time a customer asks for: `read_when` groups
and flags the phrases (`conversations.phrases`), resolves each on the calendar
(`conversations.periods`) and returns the first that names something other than the appointment as
booked, with a `start` (an exact time) or a `window` (a period).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from conversations import periods
from conversations.dates import find_parts
from conversations.parts import Clock
from conversations.periods import Window
from conversations.phrases import Phrase, group, mark
from conversations.tokens import tokenize


@dataclass(frozen=True)
class Wish:
    """The new time a message asks for: an exact `start`, a `window`, or neither (a
    wish without a readable time). `current`: it is the appointment as booked."""

    start: datetime | None = None
    window: Window | None = None
    move: bool = False  # a relative move ("30 minutes later", "etwas später")
    told: bool = False  # the move's direction is an adverb: "15 min später" may be a notice
    current: bool = False

    @property
    def exact(self) -> bool:
        return self.start is not None or self.window is not None


def read_when(
    text: str, *, now: datetime, locale: str, appointment_start: datetime | None
) -> Wish | None:
    """The new time `text` asks for, or None when it names none; a wish without a readable
    time ("etwas später", "31.2.", "25 Uhr") has neither `start` nor `window`. `now` is
    timezone-aware; the result is in its zone. Of several new times the first exact one
    wins ("Freitag oder Montag" → Friday)."""
    tokens = tokenize(text)
    phrases = group(tokens, find_parts(tokens, locale, now.date()))
    mark(tokens, phrases, question=text.rstrip().endswith("?"))
    appointment = appointment_start.astimezone(now.tzinfo) if appointment_start else None
    wishes = [
        wish
        for phrase in phrases
        if not phrase.flags & {"negated", "old", "past", "farewell"}
        and not (wish := _resolve(phrase, now, appointment)).current
    ]
    return next((w for w in wishes if w.exact), wishes[0] if wishes else None)


def _resolve(phrase: Phrase, now: datetime, appointment: datetime | None) -> Wish:
    try:
        return _on_calendar(phrase, now, appointment)
    except OverflowError:
        # "31.12.9999", "in 9999 Wochen" from a date near the end: past the last day
        # `datetime` knows (year 9999), so as impossible as "31.2.": a wish without a time.
        return Wish()


def _on_calendar(phrase: Phrase, now: datetime, appointment: datetime | None) -> Wish:
    zone, today = now.tzinfo, now.date()
    day = _day(phrase, today, appointment)
    if day is False:
        return Wish()  # an impossible date: a wish without a time
    if phrase.move and phrase.move.minutes is not None:
        told = phrase.move.adverb
        if appointment is None:
            return Wish(move=True, told=told)
        base = appointment
        if day and day != appointment.date():
            base = periods.at(day, appointment.hour, appointment.minute, zone)
        wish = Wish(start=base + timedelta(minutes=phrase.move.minutes), move=True, told=told)
        return _checked(wish, appointment)
    if phrase.same and appointment is not None:
        on = day or appointment.date()
        if day is None and phrase.week and phrase.week.kind == "next":  # "same time next week"
            on += timedelta(weeks=1 + phrase.week.shift)
        wish = Wish(start=periods.at(on, appointment.hour, appointment.minute, zone))
        return _checked(wish, appointment)
    if day is None and phrase.week:  # "nächste Woche um 10": no one day to put the time on
        week = phrase.week
        return Wish(window=periods.week_window(today, week.kind, week.shift, zone))
    if phrase.clock:
        return _checked(_clock_wish(phrase, day, now, appointment), appointment)
    if phrase.move:  # "etwas später": vague unless a day is named
        if day and (appointment is None or day != appointment.date()):
            return Wish(window=periods.day_window(day, zone))
        return Wish(move=True, told=phrase.move.adverb)
    if phrase.period:
        on = day or (appointment.date() if appointment else today)
        return _checked(Wish(window=periods.day_window(on, zone, phrase.period)), appointment)
    if day:
        return _checked(Wish(window=periods.day_window(day, zone)), appointment)
    return Wish()  # "im Dezember": a change, but no day or time to read


def _day(phrase: Phrase, today: date, appointment: datetime | None) -> date | None | bool:
    """The calendar day the phrase names; None when it names none, False when impossible."""
    if phrase.date:
        d = phrase.date
        if d.date is not None:
            found = periods.calendar_date(today, d.date[0], d.date[1], d.date[2])
        else:
            found = periods.day_of_month(today, d.month_day or 0)
        return found if found else False
    if phrase.day is None:
        return None
    d = phrase.day
    if d.offset is not None:
        return today + timedelta(days=d.offset)
    weekday = d.weekday or 0
    if phrase.week and phrase.week.kind in ("next", "this") and not phrase.week.past:
        week_start = periods.monday(today) + timedelta(weeks=phrase.week.shift)
        in_week = week_start + timedelta(days=weekday + 7 * (phrase.week.kind == "next"))
        return in_week if in_week > today else periods.next_weekday(today, weekday)
    found = periods.next_weekday(today, weekday) + timedelta(weeks=d.week_shift)
    if d.next and appointment and found == appointment.date():
        found += timedelta(weeks=1)  # asked on Wednesday, "next Thursday" is no move to tomorrow
    return found


def _clock_wish(
    phrase: Phrase, day: date | None, now: datetime, appointment: datetime | None
) -> Wish:
    zone = now.tzinfo
    first = _hour(phrase.clock, phrase.period)
    if first is None:
        return Wish()  # "25 Uhr"
    on = day or (appointment.date() if appointment else now.date())
    if day is None and appointment is None and periods.at(on, *first, zone) <= now:
        on += timedelta(days=1)
    start = periods.at(on, *first, zone)
    if phrase.until:
        last = _hour(phrase.until, phrase.period)
        end = periods.at(on, *last, zone) if last else None
        return Wish(window=(start, end)) if end and end > start else Wish()
    whole_day = periods.day_window(on, zone)
    bound = phrase.clock.bound if phrase.clock else None
    if bound == "after":
        return Wish(window=(start, whole_day[1]))
    if bound == "until" and start == appointment:
        return Wish(start=start)  # "bis 14 Uhr!": a farewell to the appointment itself
    if bound in ("before", "until"):
        return Wish(window=(whole_day[0], start))
    return Wish(start=start)


def _hour(clock: Clock | None, period: str | None) -> tuple[int, int] | None:
    if clock is None:
        return None
    return periods.hour_of_day(
        clock.hour, clock.minute, meridiem=clock.meridiem, literal=clock.literal, period=period
    )


def _checked(wish: Wish, appointment: datetime | None) -> Wish:
    """Mark a wish that names the appointment as it is booked."""
    if appointment is None:
        return wish
    if wish.start is not None and wish.start == appointment:
        return replace(wish, current=True)
    if wish.window is not None and wish.window[0] <= appointment < wish.window[1]:
        return replace(wish, current=True)
    return wish

"""The parts time expressions are built from (`Day`, `Clock`, `Period`, `Week`, `Move` …), which
`conversations.dates`, `clocks` and `moves` recognise and `conversations.wishes` puts together, and
`TokenView`, the view of a message's tokens and of the parts found so far that the three share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.tokens import BREAK, NUM, WORD, Token


@dataclass(frozen=True)
class Day:
    """A day: one of `weekday` (Monday 0), `offset` (days from today), `date`
    (day, month, year or None) or `month_day` (a day of some month: "the 2nd")."""

    weekday: int | None = None
    offset: int | None = None
    date: tuple[int, int, int | None] | None = None
    month_day: int | None = None
    week_shift: int = 0  # "übernächsten Freitag": one week further
    next: bool = False  # "nächsten Donnerstag": never the appointment's own day
    past: bool = False  # "gestern", "last Monday": not a wish


@dataclass(frozen=True)
class Clock:
    """A time of day as written; `literal` for a 24-hour form ("15:30", "0:30")."""

    hour: int
    minute: int = 0
    meridiem: int | None = None  # 0 for am, 12 for pm
    literal: bool = False
    bound: str | None = None  # "from", "after", "before", "until", "between"


@dataclass(frozen=True)
class Period:
    name: str  # a key of lexicon.PERIOD_HOURS


@dataclass(frozen=True)
class Week:
    kind: str  # "this", "next", "weekend"
    shift: int = 0  # weeks further: "übernächste Woche" is "next" shifted by one
    past: bool = False


@dataclass(frozen=True)
class Move:
    minutes: int | None  # signed; None: a direction without an amount ("etwas später")
    adverb: bool = False  # "später", "later": told, it may be running late, not a request


@dataclass(frozen=True)
class SameTime:
    """ "same time", "zur gleichen Zeit": the appointment's time of day."""


@dataclass(frozen=True)
class MonthOnly:
    month: int


@dataclass(frozen=True)
class Duration:
    minutes: int  # a length of time that moves nothing: "ich verspäte mich 5 Minuten"


Part = Day | Clock | Period | Week | Move | SameTime | MonthOnly | Duration


@dataclass(frozen=True)
class Found:
    """A part and the tokens [first, last) it was read from."""

    part: Part
    first: int
    last: int


class TokenView:
    """The tokens being read (`t`), the message's `locale`, `today`, and the parts `found`."""

    def __init__(self, tokens: tuple[Token, ...], locale: str, today: date):
        self.t = tokens
        self.locale = locale
        self.today = today
        self.found: list[Found] = []

    def word(self, i: int) -> str | None:
        return self.t[i].text if 0 <= i < len(self.t) and self.t[i].kind == WORD else None

    def kind(self, i: int) -> str | None:
        return self.t[i].kind if 0 <= i < len(self.t) else None

    def num(self, i: int) -> int | None:
        return self.t[i].nums[0] if self.kind(i) == NUM else None

    def after_day(self, i: int) -> bool:
        """True when a day or week part ends right before token i (a comma may stand between)."""
        if not self.found:
            return False
        last = self.found[-1]
        gap = range(last.last, i)
        return isinstance(last.part, Day | Week) and all(self.is_break(k, ",") for k in gap)

    def is_break(self, i: int, text: str) -> bool:
        return self.kind(i) == BREAK and self.t[i].text == text

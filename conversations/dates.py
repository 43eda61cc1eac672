"""The date and time grammar: `find_parts` reads a message's tokens (`conversations.tokens`) and
finds the parts customers build times from (`Day`, `Clock`, `Period`, `Week`, `Move`, `SameTime`,
`MonthOnly`, and `Duration` for a length of time). Which parts belong together, and what they mean
on the calendar, is `conversations.wishes`' business.
"""

from __future__ import annotations

from datetime import date

from conversations import lexicon as lx
from conversations.clocks import ClockRules
from conversations.moves import MoveRules
from conversations.parts import Day, Found, MonthOnly, Period, Week
from conversations.tokens import BREAK, CLOCK, DATE, NUM, PAIR, Token

_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th", "e", "de", "ste", "ten", "ter", "te"})
_MODIFIERS = (
    ("after_next", lx.AFTER_NEXT),
    ("next", lx.NEXT),
    ("this", lx.THIS),
    ("last", lx.LAST),
)
# A weak weekday ("Do", "sat", "vr") counts before a number or these ("vr half 10", "Fr
# Viertel nach 9", "ma ochtend"), or after these ("nächsten Do", "op za", "auf Mo").
_TIMEISH_WORDS = (
    lx.TIME_MARKERS
    | frozenset(lx.PERIODS)
    | lx.MORNING_AFTER_DAY
    | lx.HALF
    | lx.QUARTER
    | lx.THREE_QUARTERS
    | lx.NOON
)
_WEEKDAY_LEADS = lx.NEXT | lx.THIS | {"am", "op", "on"}
_WEAK_WEEKDAY_LEADS = _WEEKDAY_LEADS | frozenset(
    "auf naar ab vanaf bis tot auch ook lieber liever oder of or statt ipv".split()
)
_MONTH_LEADS = frozenset("im in en anfang ende mitte begin eind early mid end late".split())


def find_parts(tokens: tuple[Token, ...], locale: str, today: date) -> list[Found]:
    """The time-expression parts in `tokens`, in reading order. `locale` picks the
    reading of words the languages share ("half 3"), `today` settles "4.12" after
    a weekday (a date if that weekday, else a clock time)."""
    return _Grammar(tokens, locale, today).parse()


class _Grammar(ClockRules, MoveRules):
    """Days, dates, weeks and parts of the day, on top of the clock and move rules.

    Each matcher looks at token i and returns the parts found there (the
    reading continues after them) or None; the first matcher that finds
    something wins, so moves come before clock times ("een uur later" is no
    1 o'clock) and dates before them ("3.12." is no 3:12).
    """

    def parse(self) -> list[Found]:
        matchers = (
            self._relative_in, self._move, self._date, self._day, self._period,
            self._clock, self._same, self._month_only,
        )  # fmt: skip
        i = 0
        while i < len(self.t):
            for matcher in matchers:
                hit = matcher(i)
                if hit:
                    self.found.extend(hit)
                    i = hit[-1].last
                    break
            else:
                i += 1
        return self.found

    # --- names ----------------------------------------------------------------

    def _weekday(self, i: int) -> int | None:
        w = self.word(i)
        if w in lx.WEEKDAYS:
            return lx.WEEKDAYS[w]
        dotted = self.is_break(i + 1, ".")
        k = i + 2 if dotted else i + 1
        ambiguous = lx.AMBIGUOUS_WEEKDAYS.get(self.locale, {})
        if w in ambiguous:  # "So. 10 Uhr", "So 29.11.", "am So", "zo 11u", "zo om 10"
            timed = self._timed(k) and self.word(k + 1) not in lx.DURATION_ONLY_UNITS
            opens = i == 0 or self.kind(i - 1) == BREAK  # not "ik ben er zo om 3"
            timed = timed or (opens and self.word(k) in _TIMEISH_WORDS)
            dated = self.kind(k) in (PAIR, DATE) or (self.locale == "nl" and timed)
            led = self.word(i - 1) in _WEEKDAY_LEADS
            return ambiguous[w] if dotted or dated or led else None
        weak = lx.WEAK_WEEKDAYS.get(self.locale, {})
        if w not in weak:
            return None
        timeish = self._timed(k) or self.word(k) in _TIMEISH_WORDS
        return weak[w] if timeish or self.word(i - 1) in _WEAK_WEEKDAY_LEADS else None

    def _timed(self, k: int) -> bool:
        """A number, time or date at k, or an hour word before "Uhr" ("Fr zehn Uhr")."""
        if self.kind(k) in (NUM, CLOCK, PAIR, DATE):
            return True
        return self.word(k) in lx.HOUR_WORDS and self.word(k + 1) in lx.OCLOCK

    def _month(self, i: int) -> tuple[int, int] | None:
        """(month, next index) for a month name at i, skipping the dot of "Dec."."""
        w = self.word(i)
        month = lx.MONTHS.get(w or "") or lx.WEAK_MONTHS.get(w or "")
        if not month:
            return None
        k = i + 1
        if self.is_break(k, ".") and w in lx.WEAK_MONTHS:
            k += 1
        return month, k

    # --- matchers: each returns the parts found at i, or None ----------------

    def _date(self, i: int) -> list[Found] | None:
        token = self.t[i]
        if token.kind == DATE:
            return [Found(Day(date=token.nums), i, i + 1)]  # type: ignore[arg-type]
        if token.kind == PAIR and not self._pair_is_clock(i):
            day, month = token.nums
            return [Found(Day(date=(day, month, None)), i, i + 1)]
        if token.kind == NUM and len(token.text) <= 2:  # "32 december" is read, then refused
            return self._numbered_day(i)
        month = self._month(i)
        if month:
            k = month[1] + 1 if self.word(month[1]) == "the" else month[1]
            if self.kind(k) == NUM and len(self.t[k].text) <= 2:
                end = k + 2 if self.word(k + 1) in _ORDINAL_SUFFIXES else k + 1
                year, end = self._year(end)
                return [Found(Day(date=(self.t[k].nums[0], month[0], year)), i, end)]
        return None

    def _numbered_day(self, i: int) -> list[Found] | None:
        token = self.t[i]
        k = i + 1
        suffix = self.word(k) in _ORDINAL_SUFFIXES and self.t[k].glued
        k += suffix
        k += self.word(k) == "of"
        month = self._month(k)
        if month:
            year, end = self._year(month[1])
            return [Found(Day(date=(token.nums[0], month[0], year)), i, end)]
        marked = self.word(i - 1) in lx.DATE_MARKERS
        if (suffix and self.word(i - 1) not in lx.TIME_MARKERS) or (token.dot and marked):
            if 1 <= token.nums[0] <= 31:
                return [Found(Day(month_day=token.nums[0]), i, k)]
        return None

    def _year(self, i: int) -> tuple[int | None, int]:
        k = i + 1 if self.is_break(i, ",") else i
        if self.kind(k) == NUM and len(self.t[k].text) == 4:
            return self.t[k].nums[0], k + 1
        return None, i

    def _day(self, i: int) -> list[Found] | None:
        w = self.word(i)
        if w is None:
            return None
        modifier = next(
            (kind for kind, words in _MODIFIERS if w in words), None
        )  # "next", "this", "after_next", "last"
        if modifier:
            return self._modified(i, modifier)
        if w == "day" and self.word(i + 1) == "after" and self.word(i + 2) in lx.RELATIVE_DAYS:
            return [Found(Day(offset=lx.RELATIVE_DAYS[self.word(i + 2) or ""] + 1), i, i + 3)]
        weekday = self._weekday(i)
        if weekday is not None:
            return [Found(Day(weekday=weekday), i, i + 1)]
        if w in lx.RELATIVE_DAYS:
            if w in lx.MORNING_AFTER_DAY and (self.after_day(i) or self.word(i - 1) == "am"):
                return None  # "Freitag morgen", "am Morgen": a morning
            offset = lx.RELATIVE_DAYS[w]
            return [Found(Day(offset=offset, past=offset < 0), i, i + 1)]
        if w in lx.DAY_PERIODS:
            offset, period = lx.DAY_PERIODS[w]
            return [Found(Day(offset=offset), i, i + 1), Found(Period(period), i, i + 1)]
        if w in lx.WEEKEND_WORDS:
            return [Found(Week("weekend"), i, i + 1)]
        return None

    def _modified(self, i: int, modifier: str) -> list[Found] | None:
        k = i + 1
        w = self.word(k)
        shift, past = int(modifier == "after_next"), modifier == "last"
        if w in lx.WEEK_WORDS:
            kind = "this" if modifier == "this" else "next"
            return [Found(Week(kind, shift, past), i, k + 1)]
        if w in lx.WEEKEND_WORDS:
            return [Found(Week("weekend", shift, past), i, k + 1)]
        weekday = self._weekday(k)
        if weekday is not None:
            day = Day(weekday=weekday, week_shift=shift, next=modifier == "next", past=past)
            return [Found(day, i, k + 1)]
        if modifier == "this" and w in lx.PERIODS:  # "this afternoon"
            return [Found(Day(offset=0), i, k), Found(Period(lx.PERIODS[w or ""]), k, k + 1)]
        return None

    def _period(self, i: int) -> list[Found] | None:
        w = self.word(i)
        if w in lx.RANGE_AFTER or w in lx.RANGE_BEFORE or w in lx.LUNCH_BOUNDS:
            # "after lunch", "vor dem Mittag", "nachm Mittagessn" ("nach dem")
            k = i + 1 + (self.word(i + 1) in lx.LUNCH_ARTICLES)
            if self.word(k) in lx.LUNCH:
                after = w in lx.RANGE_AFTER or lx.LUNCH_BOUNDS.get(w or "") == "after"
                return [Found(Period("afternoon" if after else "morning"), i, k + 1)]
        if w in lx.PERIODS:
            return [Found(Period(lx.PERIODS[w or ""]), i, i + 1)]
        if w in lx.MORNING_AFTER_DAY and (self.after_day(i) or self.word(i - 1) in ("am", "der")):
            return [Found(Period("morning"), i, i + 1)]  # "Freitag morgen", "in der Früh"
        return None

    def _month_only(self, i: int) -> list[Found] | None:
        w = self.word(i)
        if w in lx.MONTHS and self.word(i - 1) in _MONTH_LEADS:
            return [Found(MonthOnly(lx.MONTHS[w or ""]), i, i + 1)]
        return None

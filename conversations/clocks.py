"""Times of day ("15 Uhr", "um 10", "3pm", "16.30", "14h30", "halb 3", "quarter to 4"):
`ClockRules`, the part of the date grammar (`conversations.dates`) that reads clock times and
decides whether "4.12" is a date or a time (`pair_is_clock`). What the hour means (3 → 15:00) is
`conversations.periods`' business.
"""

from __future__ import annotations

from datetime import date

from conversations import lexicon as lx
from conversations.parts import Clock, Day, Found, TokenView
from conversations.tokens import CLOCK, DASH, DATE, NUM, PAIR, WORD

CLOCK_MARKERS = lx.TIME_MARKERS | {"ongeveer", "etwa", "ungefahr", "approx", "von", "van"}
BOUNDS = {
    **dict.fromkeys(lx.RANGE_FROM | {"von", "van"}, "from"),
    **dict.fromkeys(lx.RANGE_AFTER, "after"),
    **dict.fromkeys(lx.RANGE_BEFORE, "before"),
    **dict.fromkeys(("bis", "until", "till", "tot"), "until"),
    **dict.fromkeys(lx.RANGE_BETWEEN, "between"),
}
_LEADS = CLOCK_MARKERS | lx.WEAK_TIME_MARKERS | frozenset(BOUNDS)  # words before a time
_OCLOCK_OR_O = lx.OCLOCK | {"o"}  # "o clock" once the apostrophe is gone
_PAST_OR_TO = lx.PAST_WORDS | lx.TO_WORDS
_MONTH_NAMES = frozenset(lx.MONTHS) | frozenset(lx.WEAK_MONTHS)
_ALSO = frozenset("auch ook also eher dann".split())
# Number words that count the minutes before or after an hour ("zehn nach", "twenty past").
_MINUTE_COUNTS = {
    word: value
    for word, value in {**lx.NUMBER_WORDS, **lx.MINUTE_WORDS}.items()
    if value in (5, 10, 15, 20, 25) and len(word) > 2
}
# After these a number is a count, never an hour: "2 Personen", "5 Minuten".
_NOT_AFTER_HOUR = frozenset(
    "euro eur personen person leute people mensen stuck mal x prozent percent".split()
) | frozenset(lx.DURATION_ONLY_UNITS)


class ClockRules(TokenView):
    """The clock-time matchers of the date grammar; `_clock` is the entry point."""

    def _clock(self, i: int) -> list[Found] | None:
        k, bound = i, None
        if self.word(k) == "am" and self.locale != "en" and self.word(k + 1) in lx.HOUR_WORDS:
            k += 1  # Swiss and southern "am drü", "am zwoa": at three, at two
        if self.word(k) in lx.PREFERENCE_LEADS:
            also = self.word(k + 1) in _ALSO
            if self.kind(k + 1 + also) == NUM:
                k += 1 + also  # "ginge 4?", "rather 4 please", "geht auch 4?"
        while self.word(k) in _LEADS:
            bound = bound or BOUNDS.get(self.word(k) or "")
            k += 1 + (self.is_break(k + 1, "."))  # "ca."
        if k > i and self.kind(k) == PAIR and self.word(k - 1) in lx.WEAK_TIME_MARKERS:
            return None  # "move it to 4.12": a date
        dashed = (
            self.kind(k) == NUM and self.kind(k + 1) == DASH and self.kind(k + 2) in (NUM, CLOCK)
        )
        if dashed:
            bound = bound or "between"  # "14-16 Uhr"
        ranged = bound in ("from", "between") or self._range_end(i)
        idiom = None if ranged else self._minutes_to_hour(k)
        if idiom is not None:
            return [Found(idiom[0], i, idiom[1])]
        core = self._clock_core(k, marked=k > i or dashed or self._range_end(i))
        if core is None:
            return None
        clock, end = core
        if bound:
            clock = Clock(clock.hour, clock.minute, clock.meridiem, clock.literal, bound)
        return [Found(clock, i, end)]

    def _clock_core(self, i: int, *, marked: bool) -> tuple[Clock, int] | None:
        token = self.t[i] if i < len(self.t) else None
        if token is None:
            return None
        if token.kind == CLOCK or (token.kind == PAIR and self._pair_is_clock(i)):
            hour, minute = token.nums
            return self._suffixed(hour, minute, i + 1, literal=hour >= 13 or token.text[0] == "0")
        w = token.text if token.kind == WORD else None
        if w in lx.NOON:
            return Clock(12, 0, literal=True), i + 1
        if w in lx.HALF or w in lx.QUARTER or w in lx.THREE_QUARTERS:
            return self._clock_phrase(i)
        hour = self._hour(i)
        if hour is None:
            return None
        nxt = self.word(i + 1)
        if nxt in _NOT_AFTER_HOUR and nxt not in lx.OCLOCK or nxt in _MONTH_NAMES:
            return None  # "2 Personen", "naar 4 december"
        suffixed = self._suffixed(hour, 0, i + 1, literal=hour >= 13 or token.text[0] == "0")
        if suffixed[1] > i + 1 or marked or (token.kind == NUM and self.after_day(i)):
            return suffixed
        return None

    def _minutes_to_hour(self, i: int) -> tuple[Clock, int] | None:
        """ "zwanzig nach vier" (4:20), "ten to six" (5:50), and minutes from a half hour:
        "zehn nach halb drei" (2:40), "vijf over half vier" (3:35), "tien voor half vijf" (4:20)."""
        direction = self.word(i + 1)
        if direction not in _PAST_OR_TO:
            return None
        if self.kind(i) == NUM and not self.t[i].dot and len(self.t[i].text) <= 2:
            if direction == "to":
                return None  # "2 to 4" is a range
            minutes = self.t[i].nums[0]
        else:
            minutes = _MINUTE_COUNTS.get(self.word(i) or "", 0)
        if not 1 <= minutes <= 29:
            return None
        k = i + 2
        half = self.word(k) in lx.HALF
        hour = self._hour(k + half)
        if not hour or hour > 12:
            return None
        base = (hour - 1) * 60 + 30 if half else hour * 60  # "halb drei" is 2:30
        total = base + minutes if direction in lx.PAST_WORDS else base - minutes
        hour, minute = divmod(total % (12 * 60), 60)
        return self._suffixed(hour or 12, minute, k + half + 1, literal=False)

    def _range_end(self, i: int) -> bool:
        """True for the "16" of "zwischen 14 und 16", "from 2 to 4", "10-12"."""
        joined = self.word(i - 1) in lx.RANGE_AND or self.kind(i - 1) == DASH
        last = self.found[-1].part if self.found and self.found[-1].last == i - 1 else None
        return joined and isinstance(last, Clock) and last.bound in ("between", "from")

    def _hour(self, i: int) -> int | None:
        if self.kind(i) == NUM and len(self.t[i].text) <= 2 and not self.t[i].dot:
            return self.t[i].nums[0]
        w = self.word(i)
        if w in lx.HOUR_WORDS or (
            w in ("ein", "eins", "een", "one") and self.word(i + 1) in _OCLOCK_OR_O
        ):
            return lx.NUMBER_WORDS[w or ""]
        return None

    def _suffixed(self, hour: int, minute: int, k: int, *, literal: bool) -> tuple[Clock, int]:
        """A clock time with what may follow it: "Uhr", "h", "o'clock", "am"/"pm", "Uhr 30"."""
        w = self.word(k)
        if w == "u" and not self.t[k].glued:
            w = None  # a lone "u" is Dutch for "you"
        if minute == 0:
            minute, k = self._minute_words(k)  # "four thirty", "at 4 fifteen"
        w = self.word(k)
        if w in lx.OCLOCK or (w == "o" and self.word(k + 1) == "clock"):
            k += 1 + (w == "o")
            if self.num(k) is not None and self.num(k) < 60 and minute == 0:  # "14 Uhr 30"
                minute, k = self.t[k].nums[0], k + 1
            elif minute == 0:
                minute, k = self._minute_words(k)  # "vier Uhr dreißig"
            w = self.word(k)
        meridiem = None
        if w in lx.MERIDIEM and (w == "pm" or self._meridiem_am(k)):
            meridiem, k = lx.MERIDIEM[w or ""], k + 1
        return Clock(hour, minute, meridiem, literal), k

    def _minute_words(self, k: int) -> tuple[int, int]:
        """(minutes, next index) for number words of minutes at k ("thirty", "forty-five",
        "dertig"); (0, k) when there are none, or when they count a length ("ten minutes")."""
        tens = lx.MINUTE_WORDS.get(self.word(k) or "")
        if tens is None:
            return 0, k
        end = k + 1
        dash = self.kind(end) == DASH
        unit = lx.MINUTE_UNITS.get(self.word(end + dash) or "")
        if unit and tens >= 20 and tens % 10 == 0:
            tens, end = tens + unit, end + dash + 1  # "forty five", "twenty-five"
        if self.word(end) in lx.UNITS or self.kind(end) == NUM:
            return 0, k  # "at 3 ten minutes late", "four thirty 2"
        return tens, end

    def _meridiem_am(self, k: int) -> bool:
        # "9 am" is English; "um 9 am Freitag" is German "am" (on).
        if self.t[k].glued or self.locale == "en":
            return True
        after = self.word(k + 1)
        dayish = (
            self.kind(k + 1) in (NUM, PAIR, DATE)
            or after in lx.WEEKDAYS
            or (after in lx.RELATIVE_DAYS or after in lx.WEEKEND_WORDS or after in lx.PERIODS)
        )
        return not dayish

    def _clock_phrase(self, i: int) -> tuple[Clock, int] | None:
        """ "halb 3", "half past 3", "viertel nach 3", "quarter to 4", "dreiviertel 4"."""
        w = self.word(i)
        k = i + 1
        if w in lx.HALF and self.word(k) == "past":
            hour = self._hour(k + 1)
            return (self._suffixed(hour, 30, k + 2, literal=False)) if hour else None
        if w in lx.HALF:
            hour = self._hour(k)
            if not hour:
                return None
            english = w == "half" and self.locale == "en"  # British "half three" = 3:30
            return self._suffixed(hour if english else hour - 1, 30, k + 1, literal=False)
        if w in lx.THREE_QUARTERS:
            hour = self._hour(k)
            return self._suffixed(hour - 1, 45, k + 1, literal=False) if hour else None
        direction = self.word(k)
        hour = self._hour(k + 1)
        if w in lx.QUARTER and hour is None and self.locale == "de":
            hour = self._hour(k)  # southern and eastern "viertel fünf" = 4:15
            return self._suffixed(hour - 1, 15, k + 1, literal=False) if hour else None
        if not hour or direction not in _PAST_OR_TO:
            return None
        if direction in lx.PAST_WORDS:
            return self._suffixed(hour, 15, k + 2, literal=False)
        return self._suffixed(hour - 1, 45, k + 2, literal=False)

    def _pair_is_clock(self, i: int) -> bool:
        """Whether "a.b" is a time ("16.30", "um 9.10") or a date ("4.12", "3.12.")."""
        token = self.t[i]
        if "/" in token.text:
            return False
        (a, b), two_digits = token.nums, len(token.text.split(".")[1]) == 2
        clock_ok = a <= 23 and b < 60 and two_digits
        date_ok = 1 <= a <= 31 and 1 <= b <= 12
        before, after = self.word(i - 1), self.word(i + 1)
        if self.after_day(i):
            before = None  # "Do 3.12.": the "do" was Thursday, not "do 3"
        if clock_ok and (before in CLOCK_MARKERS or before in BOUNDS or after in lx.OCLOCK):
            return True
        if not date_ok:
            return two_digits and not token.dot
        if not clock_ok or token.dot or before in lx.DATE_MARKERS:
            return False
        if self.after_day(i) and isinstance(self.found[-1].part, Day):
            weekday = self.found[-1].part.weekday
            return weekday is not None and not _is_weekday(self.today, a, b, weekday)
        return False


def _is_weekday(today: date, day: int, month: int, weekday: int) -> bool:
    for year in (today.year, today.year + 1):
        try:
            if date(year, month, day).weekday() == weekday:
                return True
        except ValueError:
            continue
    return False

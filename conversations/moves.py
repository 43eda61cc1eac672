"""Relative moves and lengths of time: `MoveRules`, the part of the date grammar
(`conversations.dates`) that reads "eine Stunde später", "push it back 30 min", "een half uur
eerder", "etwas früher" and "same time", and takes an amount with no direction ("5 Minuten") for a
`Duration` that moves nothing.
"""

from __future__ import annotations

from conversations import lexicon as lx
from conversations.parts import Day, Duration, Found, Move, SameTime, TokenView
from conversations.tokens import DECIMAL, NUM

_FILLERS_BEFORE_DIRECTION = lx.PLEASE | frozenset("noch or so ish graag".split())
_MOVE_BY = frozenset({"um", "by", "met", "with", "for"})


def _by_first_word(
    directions: dict[tuple[str, ...], int],
) -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for phrase, sign in directions.items():
        index.setdefault(phrase[0], []).append((phrase, sign))
    return {word: tuple(entries) for word, entries in index.items()}


_DIRECTIONS_BY_FIRST_WORD = _by_first_word(lx.DIRECTIONS)


class MoveRules(TokenView):
    """The move and duration matchers of the date grammar: `_relative_in`, `_move`, `_same`."""

    def _relative_in(self, i: int) -> list[Found] | None:
        # "in 3 Tagen", "in a week", "over twee dagen": days from today.
        if self.word(i) not in ("in", "over", "binnen"):
            return None
        duration = self._duration(i + 1)
        if not duration:
            return None
        minutes, end = duration
        if minutes % 1440:
            return [Found(Move(None), i, end)]  # "in 10 Minuten": from now, no time to read
        return [Found(Day(offset=minutes // 1440), i, end)]

    def _move(self, i: int) -> list[Found] | None:
        duration = self._duration(i)
        if duration:
            minutes, end = duration
            k = end + 1 if self.word(end) in _FILLERS_BEFORE_DIRECTION else end
            direction = self._direction(k)
            if direction is None and self.word(k) in lx.AMOUNT_DIRECTIONS:
                direction = lx.AMOUNT_DIRECTIONS[self.word(k) or ""], k + 1
            if direction:
                adverb = self.word(direction[1] - 1) in lx.ADVERB_DIRECTIONS
                return [Found(Move(direction[0] * minutes, adverb), i, direction[1])]
            if self.word(end - 1) not in lx.DURATION_ONLY_UNITS:
                return None  # "14h", "om 3 uur": clock times
            if self.word(i - 1) in _MOVE_BY:
                return [Found(Move(minutes), i, end)]  # "um eine Stunde verschieben"
            return [Found(Duration(minutes), i, end)]
        direction = self._direction(i)
        if not direction:
            return None
        sign, end = direction
        adverb = self.word(i) in lx.ADVERB_DIRECTIONS
        k = end + 1 if self.word(end) in _MOVE_BY else end
        duration = self._duration(k)
        if duration:
            return [Found(Move(sign * duration[0], adverb), i, duration[1])]
        return [Found(Move(None, adverb), i, end)]

    def _duration(self, i: int) -> tuple[int, int] | None:
        """(minutes, next index) for "eine Stunde", "30 min", "half an hour", "anderhalf uur"."""
        w = self.word(i)
        if w in ("half", "halbe", "halben", "halve"):
            k = i + 2 if self.word(i + 1) in ("an", "a") else i + 1
            return (30, k + 1) if lx.UNITS.get(self.word(k) or "") == 60 else None
        if self.kind(i) == NUM:
            amount, k = float(self.t[i].nums[0]), i + 1
        elif self.kind(i) == DECIMAL:
            amount, k = float(self.t[i].text), i + 1
        elif w in lx.NUMBER_WORDS:
            amount, k = float(lx.NUMBER_WORDS[w]), i + 1
        elif w in lx.ONE_AND_A_HALF:
            amount, k = 1.5, i + 1
        else:
            return None
        if self.word(k) in ("halbe", "halben", "half", "halve") and amount == 1:
            amount, k = 0.5, k + 1
        unit = lx.UNITS.get(self.word(k) or "")
        if unit is None:
            return None
        minutes, k = amount * unit, k + 1
        if self.word(k) in ("and", "und", "en") and self.word(k + 2) in ("half", "halbe"):
            minutes, k = minutes + unit / 2, k + 3  # "an hour and a half"
        return int(minutes), k

    def _direction(self, i: int) -> tuple[int, int] | None:
        for phrase, sign in _DIRECTIONS_BY_FIRST_WORD.get(self.word(i) or "", ()):
            if len(phrase) == 1:
                return sign, i + 1
            # "push it back", "bring the appointment forward": a short object may stand inside.
            for gap in range(0, 4 if phrase[0] in ("push", "pushed", "bring", "move") else 1):
                rest = [self.word(i + 1 + gap + n) for n in range(len(phrase) - 1)]
                if rest == list(phrase[1:]):
                    return sign, i + len(phrase) + gap
        return None

    def _same(self, i: int) -> list[Found] | None:
        k = i + 1 if self.word(i) in ("the", "de", "der", "die") else i
        if self.word(k) in lx.SAME_WORDS and self.word(k + 1) in lx.TIME_NOUNS:
            return [Found(SameTime(), i, k + 2)]
        return None

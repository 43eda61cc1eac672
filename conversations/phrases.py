"""Grouping the parts of time expressions into phrases (`group`: parts that stand together, such as
"Freitag, so gegen 10") and flagging the phrases that ask for nothing (`mark`: negated, the old
time, a farewell or a promise to answer, the past).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from conversations import lexicon as lx
from conversations.parts import Clock, Day, Duration, Found, MonthOnly, Move, Period, SameTime, Week
from conversations.tokens import BREAK, DASH, WORD, Token


@dataclass
class Phrase:
    """Parts that stand together, the tokens [first, last) they cover, and their flags."""

    first: int
    last: int
    day: Day | None = None
    date: Day | None = None  # an explicit date wins over a weekday beside it
    clock: Clock | None = None
    until: Clock | None = None  # the end of "zwischen 14 und 16 Uhr"
    period: str | None = None
    week: Week | None = None
    move: Move | None = None
    same: bool = False
    month: int | None = None
    alternative: bool = False  # joined to the phrase before by "oder"/"or"/"of"
    flags: set[str] = field(default_factory=set)  # "negated", "old", "farewell", "past"


_SEPARATORS = lx.ALTERNATIVES | frozenset(
    "aber sondern but maar instead stattdessen lieber liever rather dafur".split()
)


def group(tokens: tuple[Token, ...], found: list[Found]) -> list[Phrase]:
    """The phrases the `found` parts make, in reading order. A phrase ends at "?" or "!",
    at "oder"/"aber"/"statt" and their like, or where a part has no free place in it (a
    second day, a second time); "Freitag oder Samstag um 10" is two phrases, the first
    borrowing the second's time."""
    phrases: list[Phrase] = []
    for hit in found:
        if isinstance(hit.part, Duration):
            continue
        current = phrases[-1] if phrases else None
        gap = [t for t in tokens[current.last : hit.first]] if current else []
        separated = any(
            (t.kind == BREAK and t.text in "?!;")
            or t.text in _SEPARATORS | lx.NEGATORS | lx.REFUSALS
            for t in gap
        ) or _preceded_by(tokens, hit.first, lx.OLD_MARKERS)
        if separated and current and _narrows(current, hit, gap):
            separated = False  # "am Samstag lieber vormittags": the part of that day
        if current and not separated and _preceded_by(tokens, current.first, lx.OLD_MARKERS):
            # The old time is what stands right after "statt"/"instead of": "statt morgen
            # erst am 4.12." swaps tomorrow for the 4th, "statt Freitag, 10 Uhr" is one time.
            separated = any(t.kind == WORD and t.text not in _SMALL_WORDS for t in gap)
        words = [t for t in gap if t.kind != BREAK or t.text != ","]  # "Dienstag, am besten …"
        if current is None or separated or len(words) > 3 or not _join(current, hit):
            phrase = Phrase(hit.first, hit.last)
            phrase.alternative = any(t.text in lx.ALTERNATIVES for t in gap)
            if not _join(phrase, hit):
                continue
            phrases.append(phrase)
        current = phrases[-1]
        current.last = max(current.last, hit.last)
    for before, after in zip(phrases, phrases[1:], strict=False):
        if after.alternative and not (before.clock or before.period or before.move):
            if (after.day or after.date) and (after.clock or after.period):
                before.clock, before.period = after.clock, after.period  # "Fr oder Sa um 10"
    return phrases


_PREFERRING = frozenset("lieber liever rather eher".split())


def _narrows(current: Phrase, hit: Found, gap: list[Token]) -> bool:
    """A preference word between a day and a part of a day names the part of that day."""
    if not isinstance(hit.part, Period) or current.clock or current.period or current.move:
        return False
    if not (current.day or current.date):
        return False
    return all(
        t.text in _PREFERRING or (t.kind == BREAK and t.text == ",")
        for t in gap
        if t.text in _SEPARATORS | lx.NEGATORS | lx.REFUSALS or t.kind == BREAK
    )


def _join(phrase: Phrase, hit: Found) -> bool:
    """Put the part into the phrase if its place there is free; False when it is not."""
    part = hit.part
    if isinstance(part, Day):
        if _week_later(phrase.day, part):  # "Donnerstag in einer Woche"
            phrase.day = replace(phrase.day, week_shift=phrase.day.week_shift + part.offset // 7)
        elif part.date is not None or part.month_day is not None:
            if phrase.date:
                return False
            phrase.date = part
        elif phrase.day:
            return False
        else:
            phrase.day = part
    elif isinstance(part, Clock):
        if phrase.clock is None:
            phrase.clock = part
        elif phrase.until is None and phrase.clock.bound in ("between", "from"):
            phrase.until = part
        else:
            return False
    elif isinstance(part, Period):
        if phrase.period:
            return False
        phrase.period = part.name
    elif isinstance(part, Week):
        if phrase.week:
            return False
        phrase.week = part
    elif isinstance(part, Move):
        if phrase.move:
            return False
        phrase.move = part
    elif isinstance(part, SameTime):
        phrase.same = True
    elif isinstance(part, MonthOnly):
        phrase.month = part.month
    return True


def _greets(tokens: tuple[Token, ...], phrase: Phrase) -> bool:
    """A part of the day alone at the start, then "!" or ",": a greeting ("Morning!")."""
    alone = phrase.period and not (phrase.day or phrase.date or phrase.clock or phrase.week)
    after = tokens[phrase.last].text if phrase.last < len(tokens) else ""
    return bool(alone) and phrase.first == 0 and after in ("!", ",")


def _week_later(day: Day | None, part: Day) -> bool:
    return bool(day and day.weekday is not None and part.offset and part.offset % 7 == 0)


_QUESTION_STARTS = frozenset(
    "can cant could couldnt kann kannst konnen konnten koennen geht gehts ginge is isnt ist "
    "would wouldnt ware waere kan kunnen kunt zou wouldnt".split()
)
_NEGATIONS = lx.NEGATORS | lx.REFUSALS
_NOT_NEGATING = frozenset("problem probleem problema schlimm worries prob stress erg".split())


def mark(tokens: tuple[Token, ...], phrases: list[Phrase], *, question: bool) -> None:
    """Flag the `phrases` that ask for nothing: `negated` ("Donnerstag geht nicht", "mornings
    are bad for me": a negation or a bad judgement belongs to the nearest phrase of its clause,
    except in "Can't we …?" questions), `old` ("statt Donnerstag"), `farewell` ("bis
    Donnerstag", "schönes Wochenende", "ich sag morgen früh Bescheid") and `past` ("gestern");
    `question`: the text ends in "?"."""
    for phrase in phrases:
        if _preceded_by(tokens, phrase.first, lx.OLD_MARKERS):
            phrase.flags.add("old")
        if not phrase.clock and _preceded_by(tokens, phrase.first, lx.FAREWELLS):
            phrase.flags.add("farewell")
        if phrase.first and tokens[phrase.first - 1].text in lx.GREETINGS:
            phrase.flags.add("farewell")  # "schönes Wochenende", "Guten Morgen"
        if _greets(tokens, phrase):
            phrase.flags.add("farewell")  # "Morning! Yes, I'll be there"
        days = (phrase.day, phrase.date)
        if any(d and d.past for d in days) or (phrase.week and phrase.week.past):
            phrase.flags.add("past")
    for first, last, is_question in _segments(tokens, question):
        inside = [p for p in phrases if p.first < last and p.last > first]
        if not inside:
            continue
        if _promises(tokens[first:last]):
            for phrase in inside:
                phrase.flags.add("farewell")  # "ich sag morgen früh Bescheid"
        for k in range(first, last):
            if tokens[k].text not in _NEGATIONS or tokens[k].kind != WORD:
                continue
            if k + 1 < len(tokens) and tokens[k + 1].text in _NOT_NEGATING:
                continue
            if is_question and k - first < 3 and tokens[first].text in _QUESTION_STARTS:
                continue  # "Can't we do Friday?", "Geht es nicht auch Freitag?"
            nearest = min(inside, key=lambda p: min(abs(k - p.first), abs(k - (p.last - 1))))
            nearest.flags.add("negated")


def _promises(tokens: tuple[Token, ...]) -> bool:
    """True when a clause promises an answer later (`lexicon.PROMISES`), not asked of us."""
    words = tuple(t.text for t in tokens if t.kind == WORD)
    if set(words) & _ASKED_OF_US:
        return False  # "sag mir Bescheid, ob Freitag geht", "let me know"
    return any(
        words[k : k + len(promise)] == promise for promise in lx.PROMISES for k in range(len(words))
    )


_ASKED_OF_US = frozenset("mir me mij uns us ons".split())


def _segments(tokens: tuple[Token, ...], question: bool) -> list[tuple[int, int, bool]]:
    """[first, last) token ranges between breaks and contrast words, and whether each asks."""
    segments, first = [], 0
    for k, token in enumerate(tokens):
        if token.kind in (BREAK, DASH) or token.text in _SEPARATORS:
            if k > first:
                segments.append((first, k, token.text == "?"))
            first = k + 1 if token.kind in (BREAK, DASH) else k
    if first < len(tokens):
        segments.append((first, len(tokens), question))
    return segments


_SMALL_WORDS = frozenset("am um the dem de zum on op at om".split())


def _preceded_by(tokens: tuple[Token, ...], first: int, markers) -> bool:
    words = [t.text if t.kind == WORD else "" for t in tokens[:first]]
    for skip in range(0, 3):
        end = first - skip
        if skip and not all(w in _SMALL_WORDS for w in words[end:first]):
            break
        for marker in markers:
            if end >= len(marker) and tuple(words[end - len(marker) : end]) == marker:
                return True
    return False

"""Splitting a message into the tokens the date grammar reads: unlike the keyword layer
(`conversations.text`), `tokenize` keeps the punctuation of dates and times ("3.12.", "15:30",
"9:30am") and gives each word its dictionary form (folded, old-style umlauts, small typos in day
and month names, a day and a part of it written as one word).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from conversations import lexicon as lx
from conversations.text import DOTTED_LETTERS, join_letters

WORD, NUM, CLOCK, PAIR, DATE, DECIMAL, BREAK, DASH, DIGITS = (
    "word", "num", "clock", "pair", "date", "decimal", "break", "dash", "digits",
)  # fmt: skip
# The longest number the date grammar reads: a year. A longer run of digits (an order or phone
# number, or a hostile 5 000-digit one) is a `DIGITS` token, so no text makes `int()` work past
# its limits.
MAX_DIGITS = 4


@dataclass(frozen=True)
class Token:
    """One token: `kind`, its folded `text`, and for numeric kinds the `nums`.

    `glued` is True when no space separates it from the token before ("3pm",
    "14h", "2nd"); `dot` when a number or pair ends in a full stop ("2.",
    "3.12."), which marks a German ordinal or date.
    """

    kind: str
    text: str
    nums: tuple[int, ...] = ()
    glued: bool = False
    dot: bool = False


_MERIDIEM_DOTS = re.compile(r"\b([ap])\.\s?m\b\.?")
_APOSTROPHES = re.compile(r"['’‘`´]")
_TOKEN = re.compile(
    r"""
    (?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2}))(?!\d|[.:]\d)
    |(?P<clock>\d{1,2}(?::|h|u)\d{2})(?!\d)
    |(?P<decimal>\d[.,]5)(?=\s*[^\W\d_])
    |(?P<pair>\d{1,2}[./]\d{1,2})(?![\d:])
    |(?P<num>\d+)
    |(?P<word>[^\W\d_]+)
    |(?P<brk>[?!.;,:\n¿¡()]|\s[-–]\s)
    |(?P<dash>[-–])
    """,
    re.VERBOSE,
)
_UMLAUT_SPELLINGS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def tokenize(text: str) -> tuple[Token, ...]:
    """The tokens of `text`: folded like the keyword layer, "a.m."/"p.m." as "am"/"pm",
    apostrophes dropped ("o'clock" → "oclock"), each word in its dictionary form."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _APOSTROPHES.sub("", fold(text))
    text = _MERIDIEM_DOTS.sub(r"\1m ", text)
    text = DOTTED_LETTERS.sub(join_letters, text)  # "a.u.b." is one word, "aub"
    tokens: list[Token] = []
    end = 0
    while match := _TOKEN.search(text, end):
        glued = match.start() == end and match.start() > 0
        kind, raw = match.lastgroup, match.group()
        end = match.end()
        dot = text.startswith(".", end) and not text[end + 1 : end + 2].isdigit()
        if kind == "word":
            tokens.extend(
                Token(WORD, word, glued=glued or i > 0) for i, word in enumerate(dictionary(raw))
            )
        elif kind == "brk":
            tokens.append(Token(BREAK, raw.strip() or "-"))
        elif kind == "dash":
            tokens.append(Token(DASH, "-", glued=glued))
        elif kind == "num" and len(raw) > MAX_DIGITS:
            tokens.append(Token(DIGITS, raw, (), glued))
        elif kind == "decimal":
            tokens.append(Token(DECIMAL, raw.replace(",", "."), (int(raw[0]),), glued))
        else:
            nums = tuple(int(part) for part in re.findall(r"\d+", raw))
            if kind == "date" and "-" in raw:
                nums = (nums[2], nums[1], nums[0])  # ISO: year-month-day → day, month, year
            if kind in ("num", "pair") and dot:
                end += 1  # the full stop belongs to "2." / "3.12."
            tokens.append(Token(kind, raw, nums, glued, dot and kind in ("num", "pair")))
    return tuple(tokens)


def fold(text: str) -> str:
    """Lower case without accents: "Übermorgen" → "ubermorgen", "ß" → "ss"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=8192)  # bounded: the words come from customers
def dictionary(word: str) -> tuple[str, ...]:
    """The dictionary form(s) of one folded word: itself when known or unknown,
    the corrected spelling for a near miss, or the two parts of a compound."""
    word = re.sub(r"([^\W\d_])\1{2,}", r"\1", word)  # "morgeeen" → "morgen"
    if word in _known() or len(word) < 4:
        return (word,)
    for old, new in _UMLAUT_SPELLINGS:
        plain = word.replace(old, new)
        if plain != word and plain in _known():
            return (plain,)
    near = _near_miss(word)
    if near:
        return (near,)
    return _compound(word) or (word,)


def _compound(word: str) -> tuple[str, str] | None:
    for head in _compound_heads():
        if word.startswith(head) and len(word) > len(head) + 2:
            rest = word[len(head) :]
            rest = rest if rest in _part_of_day() else _near_miss(rest)
            if rest in _part_of_day():
                return head, rest
    return None


def _near_miss(word: str) -> str | None:
    """The one long day, month or period name `word` is a single typo away from."""
    if len(word) < 5:
        return None
    variants = {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}
    found = {
        name for variant in variants for name in _deletions().get(variant, ()) if name[0] == word[0]
    }
    meanings = {_meaning(name) for name in found}
    return min(found) if len(meanings) == 1 else None


def _meaning(name: str) -> tuple[str, object]:
    for table, kind in ((lx.WEEKDAYS, "d"), (lx.MONTHS, "m"), (lx.PERIODS, "p")):
        if name in table:
            return kind, table[name]
    return "w", name


@functools.cache
def _deletions() -> dict[str, frozenset[str]]:
    names = [
        name
        for name in (*lx.WEEKDAYS, *lx.MONTHS, *lx.PERIODS, *_FUZZY_EXTRA)
        if len(name) >= 6 and not name.endswith("s")
    ]
    index: dict[str, set[str]] = {}
    for name in names:
        for variant in {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}:
            index.setdefault(variant, set()).add(name)
    return {variant: frozenset(found) for variant, found in index.items()}


_FUZZY_EXTRA = ("tomorrow", "ubermorgen", "overmorgen", "wochenende", "weekend")


@functools.cache
def _known() -> frozenset[str]:
    words = {
        *lx.WEEKDAYS,
        *lx.RELATIVE_DAYS,
        *lx.DAY_PERIODS,
        *lx.MONTHS,
        *lx.WEAK_MONTHS,
        *lx.PERIODS,
        *lx.NUMBER_WORDS,
        *lx.UNITS,
        *lx.NEXT,
        *lx.THIS,
        *lx.AFTER_NEXT,
        *lx.LAST,
        *lx.WEEK_WORDS,
        *lx.WEEKEND_WORDS,
        *lx.NEGATORS,
        *lx.MORNING_AFTER_DAY,
        *lx.ONE_AND_A_HALF,
        *lx.SAME_WORDS,
        *lx.TIME_NOUNS,
        *lx.NOON,
    }
    for phrase in lx.DIRECTIONS:
        words.update(phrase)
    for weak in lx.WEAK_WEEKDAYS.values():
        words.update(weak)
    return frozenset(words)


@functools.cache
def _compound_heads() -> tuple[str, ...]:
    heads = [w for w in (*lx.WEEKDAYS, *lx.RELATIVE_DAYS) if len(w) >= 5 and w.isalpha()]
    return tuple(sorted(heads, key=len, reverse=True))


@functools.cache
def _part_of_day() -> frozenset[str]:
    return frozenset((*lx.PERIODS, *lx.MORNING_AFTER_DAY))


def warm_up() -> None:
    """Build the lookup tables now rather than on the first message."""
    _known()
    _deletions()
    _compound_heads()
    _part_of_day()

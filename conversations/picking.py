"""Reading short answers to the bot's own questions: a pick from a numbered list ("2", "Nr. 2",
"the second", "de eerste"), perhaps wrapped in a few polite words, and a bare "no" ("nein danke",
"nee").
"""

from __future__ import annotations

import functools

from conversations.keywords import TABLES, Cue
from conversations.text import normalise_word, read_text

ORDINALS = {
    # German
    "erste": 1, "ersten": 1, "erster": 1, "zweite": 2, "zweiten": 2, "zweiter": 2,
    "dritte": 3, "dritten": 3, "dritter": 3, "eins": 1, "zwei": 2, "drei": 3,
    # English
    "first": 1, "second": 2, "third": 3, "one": 1, "two": 2, "three": 3,
    "1st": 1, "2nd": 2, "3rd": 3,
    # Dutch
    "eerste": 1, "tweede": 2, "derde": 3, "een": 1, "twee": 2, "drie": 3,
    "1e": 1, "2e": 2, "3e": 3,
}  # fmt: skip

# Words that may surround a pick without changing it.
POLITE = frozenset(
    """
    nummer nr no number option optie variante termin slot the die der das den de het
    ich nehme gerne bitte lieber ok okay ja yes please i take ill id like would
    graag ik neem doe maar dan
    """.split()
)


def picked_number(text: str, count: int) -> int | None:
    """The option number 1..`count` that `text` picks, or None when it picks none: a number
    or an ordinal among polite words, nothing more ("2 Uhr" names a time, not option 2)."""
    words = read_text(text).words
    picks = [_number(word) for word in words]
    found = [number for number in picks if number is not None]
    others = [w for w, number in zip(words, picks, strict=True) if number is None]
    if len(found) != 1 or any(word not in POLITE for word in others):
        return None
    return found[0] if 1 <= found[0] <= count else None


def _number(word: str) -> int | None:
    if word.isdecimal() and len(word) == 1:  # "፩" is a digit int() cannot read
        return int(word)
    return ORDINALS.get(word)


def is_bare_no(text: str) -> bool:
    """True when `text` is only a "no", give or take thanks, fillers and a "not". To an offer
    it means "not that", which is not asking to cancel."""
    no_words, neutral = _no_words()
    words = read_text(text).words
    return any(word in no_words for word in words) and all(
        word in no_words or word in neutral for word in words
    )


@functools.cache
def _no_words() -> tuple[frozenset[str], frozenset[str]]:
    def single_words(*cues: Cue) -> frozenset[str]:
        return frozenset(
            normalise_word(phrase)
            for table in TABLES.values()
            for cue in cues
            for phrase in table.get(cue, ())
            if " " not in phrase and not phrase.endswith("*")
        )

    return single_words(Cue.NO), single_words(Cue.FILLER, Cue.NEGATOR) | POLITE

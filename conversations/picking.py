"""Reading a pick from a numbered list: "2", "Nr. 2", "the second", "de eerste".

When the bot offers numbered times or asks which appointment is meant, the
answer is a number or an ordinal, perhaps wrapped in a few polite words.
Anything more than that is not a pick: "2 Uhr" names a time, not option 2.
"""

from __future__ import annotations

from conversations.text import read_text

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
    """The option number 1..`count` that `text` picks, or None when it picks none."""
    words = read_text(text).words
    picks = [_number(word) for word in words]
    found = [number for number in picks if number is not None]
    others = [w for w, number in zip(words, picks, strict=True) if number is None]
    if len(found) != 1 or any(word not in POLITE for word in others):
        return None
    return found[0] if 1 <= found[0] <= count else None


def _number(word: str) -> int | None:
    if word.isdigit() and len(word) == 1:
        return int(word)
    return ORDINALS.get(word)

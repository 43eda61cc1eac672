"""Normalising a customer's text into the words the keyword tables are matched against:
`normalise_word` folds case, accents, apostrophes and stretched letters, and `read_text` splits a
message into clauses of such words and notes whether it asks a question. Pure: strings in, tuples
out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Emoji customers use as an answer, read as the word they stand for.
EMOJI_WORDS = {
    "👍": "ok",
    "👌": "ok",
    "✅": "ok",
    "✔": "ok",
    "☑": "ok",
    "🆗": "ok",
    "🙆": "ok",
    "👎": "no",
    "❌": "no",
    "✖": "no",
    "🙅": "no",
}

GAP = "..."  # in a table phrase: any words may stand here

_APOSTROPHES = re.compile(r"['’‘`´]")
# "a.u.b.", "z.B.", "s.v.p": single letters with full stops, one word.
DOTTED_LETTERS = re.compile(r"(?<![\w.])[^\W\d_](?:\.[^\W\d_])+\.?(?![\w.])")
_WAERE = re.compile(r"\bwär(?:s)?\b", re.IGNORECASE)
_CLAUSE_BREAKS = re.compile(r"[.,;:!?¿¡\n()\[\]/\\|]+")
_WORD = re.compile(r"[^\W_]+")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")  # letters only: "1000" stays


@dataclass(frozen=True)
class ReadText:
    """A message as words: `clauses` of normalised words, and whether it asks something."""

    clauses: tuple[tuple[str, ...], ...]
    is_question: bool

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(word for clause in self.clauses for word in clause)


def read_text(text: str) -> ReadText:
    """Split `text` into clauses of normalised words (at commas, full stops, question marks
    …) and note whether it asks a question."""
    text = unicodedata.normalize("NFKC", text or "")
    is_question = "?" in text or "¿" in text
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, f" {word} ")
    text = _APOSTROPHES.sub("", text)
    text = DOTTED_LETTERS.sub(join_letters, text)
    text = _WAERE.sub("wäre", text)
    clauses = []
    for part in _CLAUSE_BREAKS.split(text):
        words = tuple(normalise_word(w) for w in _WORD.findall(_fold(part)))
        if words:
            clauses.append(words)
    return ReadText(tuple(clauses), is_question)


def join_letters(match: re.Match[str]) -> str:
    """ "a.u.b." → "aub.": the letters as one word, a final full stop kept as a break."""
    letters = match.group()
    return letters.replace(".", "") + ("." if letters.endswith(".") else "")


def normalise_word(word: str) -> str:
    """One word in table form: lower case, no accents, no letter repeated three times."""
    return _STRETCHED.sub(r"\1", _fold(word))


def table_forms(phrase: str) -> set[tuple[str, ...]]:
    """The word tuples a table phrase matches: as written, and with German umlauts
    typed the old way ("später" also as "spaeter"), since customers type both."""
    spellings = {phrase, phrase.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")}
    return {
        tuple(w if w == GAP else normalise_word(w) for w in spelling.split())
        for spelling in spellings
    }


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))

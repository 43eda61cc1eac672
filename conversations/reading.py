"""Reading one message: `interpret` turns a customer's text into an `Interpretation`, from the cues
of the keyword tables and word classes found in each clause (turned around by a negation, weighed
in a fixed order) and the time the message names (`conversations.wishes`, weighed against the cues
by `conversations.asks`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from conversations import classes as wc
from conversations import tokens
from conversations.asks import combine
from conversations.classes import CLASS_TABLES
from conversations.clauses import Hit, is_grateful, read_clause
from conversations.intents import Intent, Interpretation
from conversations.keywords import CARRIER_KEYWORDS, SHORT_CODES, TABLES, WORD_CLASSES, Cue
from conversations.text import GAP, ReadText, read_text, table_forms
from conversations.wishes import read_when

Pattern = tuple[str, ...]


def interpret(
    text: str,
    *,
    now: datetime,
    locale: str,
    appointment_start: datetime | None = None,
) -> Interpretation:
    """Read a customer's message.

    `now` is the current instant, timezone-aware in the business's zone;
    `locale` the language the customer is expected to write in (all
    languages' keywords are read regardless); `appointment_start` the start
    of the appointment the message answers, if any. Returns an
    `Interpretation`. Raises ValueError for a naive `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    reading, read, cues = _keyword_reading(text)
    if reading.keyword or reading.intent in (Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP):
        return reading
    wish = read_when(text, now=now, locale=locale, appointment_start=appointment_start)
    found = frozenset(cue.value for cue, count in cues.found.items() if count)
    opening = read.clauses[0] if read.clauses else ()
    return combine(
        reading, wish, words=read.words, is_question=read.is_question, cues=found, opening=opening
    )


def warm_up() -> None:
    """Build every table and index now, so the first customer message is not the one
    that pays for it; the web and worker processes call this when they start.
    The reader uses no dateparser, so there are no language models to load."""
    all_patterns()
    _index()
    _negators()
    tokens.warm_up()
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    for locale, text in (("de", "Freitag um 10?"), ("en", "Dec 1st at 3pm"), ("nl", "morgen")):
        interpret(text, now=now, locale=locale, appointment_start=now)


def carrier_interpretation(opt_out_type: str | None, text: str) -> Interpretation | None:
    """What the carrier made of a message, from Twilio's `OptOutType` (Advanced
    Opt-Out: STOP, START or HELP), or None when Twilio did not classify it."""
    intent = {"STOP": Intent.OPT_OUT, "START": Intent.OPT_IN, "HELP": Intent.HELP}.get(
        (opt_out_type or "").strip().upper()
    )
    if intent is None:
        return None
    words = read_text(text).words
    return Interpretation(intent, keyword=words[0] if len(words) == 1 else None)


def classify(text: str) -> Interpretation:
    """The intent of `text` from keywords alone: carrier keywords and short codes, else the
    cues weighed by `_weigh`."""
    return _keyword_reading(text)[0]


def _keyword_reading(text: str) -> tuple[Interpretation, ReadText, _Cues]:
    read = read_text(text)
    words = read.words
    cues = _Cues()
    if not words:
        return Interpretation(Intent.OTHER), read, cues
    if len(words) == 1:
        word = words[0]
        if word in CARRIER_KEYWORDS:
            return Interpretation(CARRIER_KEYWORDS[word], keyword=word), read, cues
        if word in SHORT_CODES:
            return Interpretation(SHORT_CODES[word]), read, cues
    cues = _find_cues(read)
    return Interpretation(_weigh(cues, read)), read, cues


@dataclass
class _Cues:
    """The cues found in one message, with negation already applied."""

    found: defaultdict[Cue, int] = field(default_factory=lambda: defaultdict(int))
    negated: defaultdict[Cue, int] = field(default_factory=lambda: defaultdict(int))
    uncovered: int = 0  # words no table knows, and word classes outside a construction

    def has(self, *cues: Cue) -> bool:
        return any(self.found[cue] for cue in cues)

    def only(self, cue: Cue, *, neutral: frozenset[Cue] = frozenset({Cue.FILLER})) -> bool:
        """True when `cue` is the message's only meaning, give or take `neutral` cues."""
        meaningful = {c for c, n in self.found.items() if n and c not in neutral}
        return meaningful == {cue} and not self.uncovered and not any(self.negated.values())


# Cues a negation in the same clause turns around (ATTEND becomes a cancel).
_NEGATABLE = frozenset({Cue.CONFIRM, Cue.ATTEND, Cue.CANCEL, Cue.UNABLE, Cue.RESCHEDULE})


def _find_cues(read: ReadText) -> _Cues:
    cues = _Cues()
    grateful = is_grateful(read.clauses)
    before: tuple[str, ...] = ()
    after_stop = False
    for clause in read.clauses:
        hits: list[Hit] = []
        position = 0
        while position < len(clause):
            match = _longest_match(clause, position)
            if match is None:
                cues.uncovered += 1
                position += 1
                continue
            cue, length = match
            hits.append(Hit(cue, position, position + length))
            hits.extend(_inner_negations(clause, position, length, cue))
            position += length
        reading = read_clause(
            clause,
            hits,
            is_question=read.is_question,
            grateful=grateful,
            before=before,
            after_stop=after_stop,
        )
        before, after_stop = clause, any(hit.cue == Cue.STOP for hit in hits)
        negated = _negated_hits(reading.hits)
        for hit in reading.hits:
            if hit.cue in WORD_CLASSES:
                cues.uncovered += 1
            elif hit in negated:
                cues.negated[hit.cue] += 1
            else:
                cues.found[hit.cue] += 1
        for cue in reading.added:
            cues.found[cue] += 1
    return cues


def _negated_hits(hits: tuple[Hit, ...]) -> set[Hit]:
    """The hits the negations of a clause turn around: each negation the nearest one, so
    "do not cancel my appointment, I will be there" refuses the cancel, not the coming."""
    negatable = [hit for hit in hits if hit.cue in _NEGATABLE]
    turned: set[Hit] = set()
    for negation in (hit for hit in hits if hit.cue == Cue.NEGATOR):
        if negatable:
            turned.add(min(negatable, key=lambda hit: _distance(negation, hit)))
    return turned


def _distance(negation: Hit, hit: Hit) -> tuple[int, int]:
    if hit.first <= negation.first < hit.last:
        return 0, 0  # inside a separable verb: "sage den Termin nicht ab"
    after = hit.first >= negation.last
    gap = hit.first - negation.last if after else negation.first - hit.last
    return gap, 0 if after else 1  # on a tie the verb after it: "nicht absagen, komme"


def _weigh(cues: _Cues, read: ReadText) -> Intent:
    # Opt-outs first (the law and the carrier), then opt-ins, help, reschedule, cancel, and
    # only then confirm, which must be unambiguous.
    is_question, said = read.is_question, frozenset(read.words)
    if cues.has(Cue.OPT_OUT):
        return Intent.OPT_OUT
    if cues.has(Cue.OPT_OUT_OR_CANCEL):
        # "vom Termin abmelden", "ich melde mich für morgen ab", "afmelden voor vrijdag"
        # sign off an appointment.
        if asks_about_cancelling(read):
            return Intent.OTHER  # "hoeveel uur van tevoren moet je je afmelden?"
        named = cues.has(Cue.APPOINTMENT) or said & wc.DAYS
        return Intent.CANCEL if named else Intent.OPT_OUT
    if cues.has(Cue.OPT_IN):
        return Intent.OPT_IN
    for solo, intent in ((Cue.STOP, Intent.OPT_OUT), (Cue.HELP, Intent.HELP)):
        if cues.only(solo):
            return intent
    if _asks_how_to_answer(cues, read):
        return Intent.HELP
    if cues.has(Cue.RESCHEDULE) or (is_question and cues.has(Cue.RELATIVE)):
        return Intent.RESCHEDULE
    if (cues.has(Cue.CANCEL) or cues.negated[Cue.CANCEL]) and asks_about_cancelling(read):
        return Intent.OTHER  # "what is your cancellation policy?", "hoe laat kan ik annuleren?"
    # A bare "no" may bring its own negation: "nein, leider nicht".
    no_only = cues.only(Cue.NO, neutral=frozenset({Cue.FILLER, Cue.NEGATOR}))
    if cues.has(Cue.CANCEL, Cue.UNABLE) or cues.negated[Cue.ATTEND] or no_only:
        # "might not make it", "eventuell kann ich nicht": not yet an answer.
        return Intent.OTHER if cues.has(Cue.UNSURE) else Intent.CANCEL
    if cues.has(Cue.UNSURE):
        return Intent.OTHER  # "vielleicht, ich schau mal", "maybe see you then"
    if _keeps(cues, read) or _confirms(cues, is_question):
        return Intent.CONFIRM
    return Intent.OTHER


def _asks_how_to_answer(cues: _Cues, read: ReadText) -> bool:
    """A question about answering these messages is a request for help: "how do I reply to
    this?", "Hilfe, was soll ich antworten?", "wie funktioniert das mit den SMS?"."""
    said = frozenset(read.words)
    if not (read.is_question and said & wc.QUESTION_WORDS):
        return False
    if cues.has(Cue.CANCEL, Cue.RESCHEDULE, Cue.OPT_OUT, Cue.OPT_OUT_OR_CANCEL):
        return False  # "how do I cancel?" asks about cancelling
    if said & wc.ANSWERING or cues.has(Cue.HELP):
        return True
    return bool(said & wc.WORKS) and (cues.has(Cue.MESSAGES, Cue.MESSAGE) or bool(said & wc.HERE))


def asks_about_cancelling(read: ReadText) -> bool:
    """True when a message that names cancelling asks about it instead: what it costs or
    what the rules are ("Stornogebühr?", "cancellation policy"), how or until when
    ("how do I cancel", "bis wann kann ich stornieren?"), whether one may ("kann man den
    Termin absagen?", "can I cancel?"), what happens if ("Is there a fee if I cancel?") or
    what was done ("Did you cancel my appointment?", "Storniert ihr auch kurzfristig?").
    Only a request to the business ("Können Sie meinen Termin stornieren?", "could you
    please cancel?") is a question that asks for the cancellation itself."""
    words = read.words
    if any(word.endswith(wc.COSTS) for word in words):
        return True
    # "tot hoe laat kan ik …", "bis wann …", "up to when …": a preposition may come first.
    opens = bool(frozenset(words[:2]) & wc.QUESTION_WORDS)
    if not (read.is_question or opens):
        return False
    said = frozenset(words)
    if opens or said & wc.QUESTION_WORDS or said & wc.CONDITIONALS:
        return True
    pairs = zip(words, words[1:], strict=False)
    return not any(first in wc.MODALS and second in wc.ADDRESSED for first, second in pairs)


def _keeps(cues: _Cues, read: ReadText) -> bool:
    """ "bitte nicht stornieren, ich komme", "don't move it, it's fine", "niet annuleren hoor",
    "passt so, nichts ändern": a cancel or a move refused, nothing to change, is a yes."""
    refused = cues.negated[Cue.CANCEL] or cues.negated[Cue.RESCHEDULE] or cues.has(Cue.KEEP)
    if not refused or read.is_question or cues.negated[Cue.ATTEND]:
        return False
    if cues.has(Cue.LATE, Cue.RELATIVE) or cues.negated[Cue.CONFIRM]:
        return False
    # "I can't cancel online" reports, it refuses nothing.
    return not frozenset(read.words) & wc.INABILITY


def _confirms(cues: _Cues, is_question: bool) -> bool:
    if not cues.has(Cue.CONFIRM, Cue.ATTEND) or cues.negated[Cue.CONFIRM]:
        return False
    if cues.has(Cue.NO, Cue.LATE, Cue.RELATIVE):
        return False  # "nein, passt" or "ok, 10 min later": not a plain yes
    # "Ok, kann ich mit Karte zahlen?" asks something the bot cannot answer.
    return not (is_question and cues.uncovered)


def _inner_negations(clause: tuple[str, ...], position: int, length: int, cue: Cue) -> list[Hit]:
    """The negations inside a separable verb ("sage den Termin nicht ab", "zeg de afspraak
    niet af"): they turn it around as they would outside it."""
    if length < 3 or cue in (Cue.NEGATOR, Cue.UNABLE, Cue.UNSURE):
        return []  # "gaat me niet lukken", "weiß ich nicht" carry their own negation
    if clause[position + length - 1] in _negators():
        return []  # "kann ... nicht" ends in its own negation
    inside = range(position + 1, position + length - 1)
    return [Hit(Cue.NEGATOR, k, k + 1) for k in inside if clause[k] in _negators()]


@functools.cache
def _negators() -> frozenset[str]:
    words = all_patterns().items()
    return frozenset(p[0] for p, cue in words if cue == Cue.NEGATOR and len(p) == 1)


def _longest_match(clause: tuple[str, ...], position: int) -> tuple[Cue, int] | None:
    found = _table_match(clause, position)
    if found is None:
        # "jaa", "okk", "verhinndert": a doubled letter the tables do not know.
        single = _DOUBLED.sub(r"\1", clause[position])
        if single != clause[position]:
            return _table_match((*clause[:position], single, *clause[position + 1 :]), position)
    return found


_DOUBLED = re.compile(r"([^\W\d_])\1")


def _table_match(clause: tuple[str, ...], position: int) -> tuple[Cue, int] | None:
    exact, prefixed = _index()
    best: tuple[Cue, int] | None = None
    word = clause[position]
    for pattern, cue in exact.get(word, ()) + prefixed.get(word[:1], ()) + prefixed.get("*", ()):
        length = _match_length(pattern, clause, position)
        if length and (best is None or length > best[1]):
            best = (cue, length)
    return best


_COURTESY = frozenset(
    "danke dankeschon bitte sorry leider thanks thx dank bedankt hoor doei tschuss lg".split()
)


def _match_length(pattern: Pattern, clause: tuple[str, ...], position: int) -> int:
    """How many words of `clause` from `position` the pattern covers; 0 for no match.

    A pattern "X ... Y" is a separable verb ("sage den Termin ab", "zeg de
    afspraak af"): Y must end the clause, as the particle does in those
    sentences, so "sage Bescheid, ab wann" is no cancellation.
    """
    if len(pattern) >= 2 and pattern[-2] == GAP:
        head = pattern[:-2]
        # Thanks or an apology may follow the particle: "sage den Termin ab danke".
        end = len(clause)
        while end - 1 > position and clause[end - 1] in _COURTESY:
            end -= 1
        covered = end - position
        if covered <= len(head) or not _word_matches(pattern[-1], clause[end - 1]):
            return 0
        return covered if _words_match(head, clause, position) else 0
    if position + len(pattern) > len(clause):
        return 0
    return len(pattern) if _words_match(pattern, clause, position) else 0


def _words_match(pattern: Pattern, clause: tuple[str, ...], position: int) -> bool:
    return all(
        _word_matches(expected, word)
        for expected, word in zip(pattern, clause[position:], strict=False)
    )


def _word_matches(expected: str, word: str) -> bool:
    if expected.endswith("*"):
        return word.startswith(expected[:-1])
    if expected.startswith("*"):
        return word.endswith(expected[1:])  # "*termin": "Friseurtermin"
    return word == expected


@functools.cache
def _index() -> tuple[_Entries, _Entries]:
    """Patterns by their first word, and the patterns whose first word is a prefix by
    its first letter (a suffix, "*termin", under "*")."""
    exact: defaultdict[str, list[tuple[Pattern, Cue]]] = defaultdict(list)
    prefixed: defaultdict[str, list[tuple[Pattern, Cue]]] = defaultdict(list)
    for pattern, cue in all_patterns().items():
        if "*" in pattern[0]:
            prefixed[pattern[0][:1]].append((pattern, cue))
        else:
            exact[pattern[0]].append((pattern, cue))
    return _frozen(exact), _frozen(prefixed)


_Entries = dict[str, tuple[tuple[Pattern, Cue], ...]]


def _frozen(index: defaultdict[str, list[tuple[Pattern, Cue]]]) -> _Entries:
    return {key: tuple(entries) for key, entries in index.items()}


@functools.cache
def all_patterns() -> dict[Pattern, Cue]:
    """Every table phrase in matching form, with its cue. Raises ValueError when two
    languages give one phrase different cues, which would make the reading ambiguous."""
    patterns: dict[Pattern, Cue] = {}
    for table in (*TABLES.values(), *CLASS_TABLES.values()):
        for cue, phrases in table.items():
            for phrase in phrases:
                if GAP in phrase.split()[:-2] + phrase.split()[-1:]:
                    raise ValueError(f"{phrase!r}: '...' may only stand before the last word")
                for form in table_forms(phrase):
                    if patterns.setdefault(form, cue) != cue:
                        raise ValueError(f"{' '.join(form)!r} is both {patterns[form]} and {cue}")
    return patterns

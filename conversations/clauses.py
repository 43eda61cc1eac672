"""The clause grammar: the meanings no single word carries, read from one clause. `read_clause`
takes the keyword and word-class hits of a clause (from `conversations.reading`) and returns the
hits that count and the cues its constructions add (opt-out, opt-in, cancel, keep, reschedule) or
take away (a condition, praise inside thanks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conversations import classes as wc
from conversations import lexicon as lx
from conversations.classes import AGAIN, MORE, NEED, THANKS, WANT
from conversations.keywords import Cue

_GLUE = wc.GLUE | wc.DAYS | lx.OCLOCK | frozenset(lx.MERIDIEM)
_SKIPPED_CUES = frozenset({Cue.FILLER, Cue.NEGATOR, Cue.NO})
_CHANNEL = frozenset({Cue.MESSAGES, Cue.MESSAGE, Cue.SEND})
# A negation beside these is about something else: "I don't want you to stop the texts".
_ELSEWHERE = (wc.OWN_MEANINGS - _CHANNEL) | {Cue.STOP, Cue.RESUME}

Span = tuple[int, int]


@dataclass(frozen=True)
class Hit:
    """A table phrase found in a clause: its cue and the words [first, last) it covers."""

    cue: Cue
    first: int
    last: int


@dataclass(frozen=True)
class ClauseReading:
    hits: tuple[Hit, ...]  # the hits that count
    added: tuple[Cue, ...]  # what the clause's constructions mean


def is_grateful(clauses: Iterable[tuple[str, ...]]) -> bool:
    """True when a message thanks for something: "danke für", "thanks for", "bedankt voor"."""
    for words in clauses:
        for k, word in enumerate(words):
            if word in THANKS and wc.FOR & set(words[k + 1 : k + 5]):
                return True
    return False


def read_clause(
    words: tuple[str, ...],
    hits: list[Hit],
    *,
    is_question: bool,
    grateful: bool = False,
    before: tuple[str, ...] = (),
    after_stop: bool = False,
) -> ClauseReading:
    """The hits of one clause that count, and the cues its constructions add or take
    away. `grateful`: the message thanks for something;
    `before`: the words of the clause before; `after_stop`: that clause had a
    "stop" ("Hört auf, mir SMS zu schicken")."""
    hits = _regroup(words, hits)
    clause = _Clause(words, hits, is_question, after_stop)
    if words and words[0] in wc.THAT and THANKS & set(before):
        clause.thanked = True  # "Danke, dass ihr wieder Erinnerungen schickt"
    added: list[Cue] = []
    unsent = _said_of_messages(clause)  # "cancel the reminders", "SMS abmelden"
    if unsent:
        hits = [hit for hit in hits if hit not in unsent]
        clause.hits, clause.cues = hits, frozenset(hit.cue for hit in hits)
        added.append(Cue.OPT_OUT)
    kept = [hit for hit in hits if not _praise_in_thanks(words, hit, grateful)]
    if clause.conditional:
        kept = [hit for hit in kept if hit.cue not in wc.CONDITIONAL_DROPS]
    if _opts_out(clause):
        added.append(Cue.OPT_OUT)
    elif _opts_in(clause):
        added.append(Cue.OPT_IN)
    if _keeps_as_is(clause):
        added.append(Cue.KEEP)
    elif _declines(clause):
        added.append(Cue.UNABLE)
    if not clause.conditional:
        if _cancels(clause):
            added.append(Cue.CANCEL)
        if _asks_another(clause):
            added.append(Cue.RESCHEDULE)
    return ClauseReading(tuple(kept), tuple(added))


def _regroup(words: tuple[str, ...], hits: list[Hit]) -> list[Hit]:
    """Hits as the clause's grammar groups them: "Termin-Erinnerung", "appointment
    reminders" name messages, not the appointment; "turn the reminders off", "zet de
    sms weer aan", "schalten Sie die SMS ab" stop or resume them."""
    grouped: list[Hit] = []
    for hit in hits:
        last = grouped[-1] if grouped else None
        if last and last.cue in (Cue.APPOINTMENT, Cue.SEND) and last.last == hit.first:
            if hit.cue in (Cue.MESSAGES, Cue.MESSAGE):  # "appointment reminders", "text alerts"
                grouped[-1] = Hit(hit.cue, last.first, hit.last)
                continue
        grouped.append(hit)
    covered = {k for hit in hits for k in range(hit.first, hit.last)}
    meant = [k for k in range(len(words)) if words[k] not in _TRAILING]
    last = words[meant[-1]] if meant else ""
    particle = Cue.RESUME if last in wc.TURN_ON else Cue.STOP if last in wc.TURN_OFF else None
    verbs = [k for k in meant[:-1] if words[k] in wc.TURN and k not in covered]
    if particle and verbs:
        grouped.append(Hit(particle, verbs[0], verbs[0] + 1))
    return grouped


def _said_of_messages(c: _Clause) -> list[Hit]:
    """Cancelling verbs whose object is the messages: "cancel my appointment reminders",
    "Erinnerungen stornieren", "delete the texts", "herinneringen annuleren"."""
    if c.has(Cue.NEGATOR) or c.thanked or c.reports:
        return []
    messages = c.spans(Cue.MESSAGES, Cue.MESSAGE)
    return [
        hit
        for hit in c.hits
        if hit.cue in (Cue.CANCEL, Cue.STRIKE, Cue.OPT_OUT_OR_CANCEL)
        and not c.words[hit.first].startswith(wc.INTRANSITIVE)
        and any(all(c.skippable(k) for k in _between((hit.first, hit.last), m)) for m in messages)
    ]


class _Clause:
    def __init__(
        self, words: tuple[str, ...], hits: list[Hit], is_question: bool, after_stop: bool
    ):
        self.words, self.hits, self.question = words, hits, is_question
        self.after_stop = after_stop
        self.said = frozenset(words)
        self.cues = frozenset(hit.cue for hit in hits)
        self.covered = {k: hit.cue for hit in hits for k in range(hit.first, hit.last)}
        first = words[0] if words else ""
        # "wenn möglich" is politeness; "ob es passt" (whether) never asserts.
        polite = first not in wc.WHETHER and wc.POSSIBLE & set(words[1:3])
        self.conditional = first in wc.CONDITIONALS and not polite
        self.thanked = bool(self.said & THANKS)
        wish = next((k for k in range(len(words) - 1) if words[k : k + 2] in _WISHES), None)
        self.wish = [(wish, wish + 2)] if wish is not None else []  # "hätte gern"
        self.wants = bool(self.said & WANT or self.wish)
        self.reports = bool(self.said & (wc.REPORT - {"hatte"})) or (
            "hatte" in self.said and not self.wish
        )
        self.asks = self.wants or bool(self.said & (lx.PLEASE | wc.MODALS))
        self.timed = bool(self.said & wc.DAYS) or any(word.isdigit() for word in words)

    def has(self, *cues: Cue) -> bool:
        return any(cue in self.cues for cue in cues)

    def spans(self, *cues: Cue) -> list[Span]:
        return [(hit.first, hit.last) for hit in self.hits if hit.cue in cues]

    def word_spans(self, words: frozenset[str]) -> list[Span]:
        return [(k, k + 1) for k, word in enumerate(self.words) if word in words]

    def skippable(self, k: int) -> bool:
        word = self.words[k]
        return self.covered.get(k) in _SKIPPED_CUES or word in _SMALL or word.isdigit()

    def within(self, first: list[Span], second: list[Span], words: int) -> bool:
        """True when a span of `first` and one of `second` have at most `words` between."""
        return any(len(_between(a, b)) <= words for a in first for b in second)

    def imperative(self, spans: list[Span]) -> bool:
        """True when the clause starts with one of `spans`, fillers aside ("Bitte schickt …")."""
        lead = [k for k, word in enumerate(self.words) if self.covered.get(k) != Cue.FILLER]
        first = next((k for k in lead if self.words[k] != "do"), 0)  # "do not text me"
        return any(start == first for start, _ in spans)

    def alone(self, *spans: list[Span]) -> bool:
        """True when every word outside `spans` is a small word: a filler, "not", a day …"""
        inside = {k for group in spans for first, last in group for k in range(first, last)}
        return all(k in inside or self.skippable(k) for k in range(len(self.words)))


_SMALL = MORE | _GLUE | lx.PLEASE
_WISHES = (("hatte", "gern"), ("hatte", "gerne"))
_TRAILING = lx.PLEASE | AGAIN | frozenset("graag alsjeblieft mal".split())


def _between(a: Span, b: Span) -> range:
    return range(a[1], b[0]) if a[1] <= b[0] else range(b[1], a[0])


def _opts_out(c: _Clause) -> bool:
    channel = c.spans(*_CHANNEL)
    if not c.has(Cue.NEGATOR):
        if c.has(Cue.STOP) and channel:
            return True  # "Stop sms", "SMS ausschalten", "stop texting me"
        if c.after_stop and channel and c.said & wc.COMPLEMENT:
            return True  # "Hört auf, mir SMS zu schicken"
        if c.has(Cue.STRIKE) and c.has(Cue.CONTACT):
            return True  # "Nummer löschen", "remove my number"
        if c.has(Cue.CONTACT) and c.said & wc.OUT_OF and not c.question:
            return True  # "nehmt meine Nummer aus dem System", "take my number off your list"
    negation = [
        span for span in c.spans(Cue.NEGATOR, Cue.NO) if c.words[span[0]] not in wc.INABILITY
    ]
    if negation and c.said & wc.NOTHING and c.said & MORE and c.has(Cue.RECEIVE, Cue.SEND):
        if (c.wants or c.said & lx.PLEASE) and not (c.question or c.reports):
            return True  # "ich will von euch nichts mehr bekommen", "stuur me niks meer"
    if not negation or not channel or c.thanked or c.reports or c.said & wc.MISSING:
        return False
    if c.said & wc.WHY or (c.said & wc.INABILITY and not c.question):
        return False  # "why don't you text me?", "I can't text any more"
    if c.has(Cue.RECEIVE) and not (c.wants or c.said & lx.PLEASE):
        return False  # "ich bekomme keine SMS mehr": a report
    near = c.within(negation, channel, 6 if c.said & MORE else 4)
    if near and c.said & (MORE | AGAIN):
        return True  # "keine Erinnerungen mehr", "niet meer sturen", "never text me again"
    if not near or c.question or c.cues & _ELSEWHERE:
        return False
    if c.has(Cue.SEND) and c.has(Cue.NEGATOR) and c.imperative(negation + channel):
        if c.has(Cue.MESSAGES, Cue.MESSAGE) or c.said & wc.ME:
            return True  # "don't text me", "stuur me geen berichten"; not "you don't have to"
    messages = c.spans(Cue.MESSAGES, Cue.MESSAGE)
    return bool(messages) and (c.wants or c.alone(messages))  # "ich will keine SMS"


def _opts_in(c: _Clause) -> bool:
    if c.has(Cue.NEGATOR, Cue.NO) or c.thanked or c.reports:
        return False
    if c.question and not c.asks:
        return False  # "do you send reminders again?"
    again = bool(c.said & AGAIN)
    if c.has(Cue.SUBSCRIBE) and not c.has(Cue.APPOINTMENT):
        if c.has(Cue.MESSAGES, Cue.MESSAGE) or (again and not c.timed):
            return True  # "weer aanmelden", "opt me back in", "für SMS anmelden"
    if c.has(Cue.RECEIVE) and not c.asks:
        return False  # "ich bekomme wieder SMS": a report
    if c.has(Cue.RESUME) and c.has(Cue.MESSAGES, Cue.SEND):
        return True  # "start sending me reminders", "SMS wieder aktivieren"
    if again and c.has(Cue.MESSAGES) and (c.has(Cue.SEND, Cue.RECEIVE) or c.asks):
        return True  # "stuur me weer herinneringen", "ich möchte die SMS wieder"
    permitted = c.said & wc.PERMISSION and not (c.question or c.timed)
    if again and c.has(Cue.SEND, Cue.MESSAGES) and permitted:
        return True  # "you can text me again", "ihr dürft mir wieder schreiben"
    resume = c.spans(Cue.RESUME)
    polite = AGAIN | WANT | {"to", "zu", "te"}
    return bool(resume) and all(
        c.covered.get(k) in (Cue.RESUME, Cue.FILLER) or c.words[k] in polite
        for k in range(len(c.words))
    )  # "start again please"


def _keeps_as_is(c: _Clause) -> bool:
    """ "no need to change anything", "keine Änderung nötig", "hoeft niks te veranderen":
    a negation before a word of changing leaves the appointment as it is. Not a question,
    and not "ich kann den Termin nicht ändern", which reports."""
    if c.question or c.said & wc.INABILITY or c.conditional:
        return False
    negation, change = c.spans(Cue.NEGATOR, Cue.NO), c.spans(Cue.CHANGE)
    return any(
        first[1] <= second[0] and all(c.skippable(k) for k in _between(first, second))
        for first in negation
        for second in change
    )


def _declines(c: _Clause) -> bool:
    """ "Morgen geht bei mir leider nicht", "es passt mir doch nicht", "2 doesn't work",
    "het gaat morgen niet lukken": a time suiting, negated, of a day, "me" or the
    appointment (or in a few words), is a cancel unless another time is asked for."""
    if c.question or c.conditional or c.thanked:
        return False
    if c.words and c.words[-1] in wc.NOT and c.said & (wc.INABILITY | wc.MANAGE):
        return True  # "isch kann morgen nisch", "ik redt het nie": any spelling of "not"
    if not c.said & wc.SUITS:
        return False
    if not c.said & wc.NOT:
        return False
    named = c.said & (wc.DAYS | wc.ME) or c.has(Cue.APPOINTMENT)
    if named:
        return True
    # "Das geht nicht", "2 doesn't work"; not "the link doesn't work", said of something else.
    plain = all(c.skippable(k) or c.words[k] in wc.SUITS | wc.NOT for k in range(len(c.words)))
    return plain and len(c.words) <= 4


def _cancels(c: _Clause) -> bool:
    if not c.has(Cue.NEGATOR) and c.has(Cue.STRIKE):
        if c.cues & (wc.OWN_MEANINGS - {Cue.STRIKE}):
            return False  # "drop the appointment reminders"
        strike, appointment = c.spans(Cue.STRIKE), c.spans(Cue.APPOINTMENT)
        if appointment:
            return c.alone(strike, appointment)  # "den Termin streichen", "afspraak mag vervallen"
        needs_object = any(c.words[first].startswith(wc.NEEDS_OBJECT) for first, _ in strike)
        return not needs_object and not c.said & wc.THIS and c.alone(strike)  # "bitte streichen"
    if not c.has(Cue.NEGATOR) or c.cues & wc.OWN_MEANINGS or c.said & wc.NEW:
        return False
    need = c.word_spans(NEED)
    appointment = c.spans(Cue.APPOINTMENT)
    if appointment:  # "ich brauche den Termin nicht mehr", "I don't want the appointment"
        return bool(need or c.wants) and c.alone(need, c.word_spans(WANT), c.wish, appointment)
    return bool(need) and bool(c.said & MORE) and c.alone(need)  # "nicht mehr nötig"


# Opening a question, folded "hatten" is "hätten": "Hätten Sie einen Ausweichtermin?" asks.
_SUBJUNCTIVE_OPENINGS = frozenset("hatte hatten hattest hattet".split())


def _asks_another(c: _Clause) -> bool:
    polite = c.question and bool(c.words) and c.words[0] in _SUBJUNCTIVE_OPENINGS
    if c.has(Cue.NEGATOR) or c.thanked or (c.reports and not polite):
        return False
    for hit in c.hits:
        if hit.cue == Cue.ALTERNATIVE and not (hit.first and c.words[hit.first - 1] in wc.KNOWN):
            return True  # "einen neuen Termin", "another day"; not "the other day"
    change = c.spans(Cue.CHANGE)
    named = c.spans(Cue.APPOINTMENT) + c.word_spans(wc.TIME_WORDS)
    return any(
        all(c.skippable(k) for k in _between(a, b)) for a in change for b in named
    )  # "die Uhrzeit ändern", "change my appointment"


def _praise_in_thanks(words: tuple[str, ...], hit: Hit, grateful: bool) -> bool:
    """ "super bedankt", "great, thanks for the reminder": praise of the message."""
    if hit.cue != Cue.CONFIRM or hit.last - hit.first != 1 or words[hit.first] not in wc.PRAISE:
        return False
    # "super" intensifies thanks ("super bedankt", "super danke"); "perfect thanks" agrees.
    thanks = hit.last < len(words) and words[hit.last] in wc.THANKS_START
    return grateful or (words[hit.first] == "super" and thanks)

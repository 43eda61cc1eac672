"""Plain answers the bot may act on at once: a plain cancel, the cancel code, a plain yes. The
reader says what a message is about; this module says whether it is nothing but that, so that a
cancellation, which the bot cannot undo, is carried out only on a plain instruction. Pure: strings
and dates in, booleans out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from conversations.text import read_text, table_forms

# The code the question "Soll ich absagen?" asks for. Not a carrier keyword (STOP,
# CANCEL, END, QUIT, YES, START, HELP, INFO … are acted on by the carrier), not "C",
# which every notice offers for confirming, and the same in all three languages.
CANCEL_CODE = "X"

# Words that cancel: the verb, its noun, and SMS spellings customers use.
_CANCEL = """
    absagen absage abzusagen stornieren storniere stornier stornierung storno
    cancel cancelling canceling cancellation cancelation cxl
    annuleren annuleer annulering afzeggen afzegging
"""
# Separable verbs: the head, then the particle later in the same clause
# ("ich sage den Termin ab", "zeg de afspraak maar af", "call it off").
_HEADS = {"sage": "ab", "sag": "ab", "sagen": "ab", "sagt": "ab", "zeg": "af", "zeggen": "af"}
_HEADS |= {"call": "off"}

# Courtesy, greetings, apologies, closings and the small words around a request.
_FILLER = """
    bitte bitteschön danke dankeschön vielen dank schön hallo hi hey moin servus
    guten tag abend grüß gott gruß grüße liebe liebe viele beste lg mfg vg leider sorry
    entschuldigung entschuldigen sie tut mir leid ich wir mir uns hiermit gerne gern
    möchte möchten würde würden will wollte wollen muss müssen müsste doch mal
    einfach ganz dann lieber bitte und ok okay ja jawohl also nun
    mein meinen meine meinem unser unseren unsere den die das der dem ein einen
    es ihn für am von vom
    please pls plz plse pleas kindly thanks thank you thx ty cheers regards best kind
    hello dear good morning afternoon evening sorry apologies unfortunately sadly afraid
    really so very i id im ill ive we wed weve need needs have has had to got gotta must
    want wanna would like going just and ok okay yes yeah yep go ahead my our the this
    that it a an for on
    graag aub alstublieft alsjeblieft astublieft asjeblieft ajb svp dank bedankt
    je wel hoi hallo goedemorgen goedemiddag goedenavond groetjes groet gr mvg helaas
    excuus excuses sorry ik wij we wil wilt zou zouden moet moeten mijn onze de het
    een voor van op maar even dan toch ja oke hem deze
    x xx
"""
# Nouns naming the appointment; "*termin" and "*afspraak" also as the end of a
# compound ("Friseurtermin", "kappersafspraak").
_APPOINTMENT = """
    termin termine termins appointment appointments appt appts booking reservation
    visit session slot afspraak afspraken reservering
"""
_APPOINTMENT_ENDINGS = ("termin", "termine", "afspraak", "afspraken")

# A request addressed to the business is an instruction ("Können Sie bitte absagen");
# the same verb with "ich" asks whether one may ("kann ich absagen"), which is a question.
_MODALS = "kann können könnten kannst can could kan kun kunt kunnen"
_ADDRESSEES = "sie du ihr you u jij je jullie"

# A clause saying the customer cannot come, beside the cancelling one:
# "Ich kann morgen leider nicht, bitte absagen", "can't make it, please cancel".
_UNABLE_VERBS = """
    kann können schaffe schaff schaffs packe bin sind komme kommen da sein verhindert
    cant cannot wont make come be there attend
    kan kunnen red lukt ben kom komen er zijn verhinderd
"""
_UNABLE_NEGATORS = "nicht ned nit cant cannot wont niet verhindert verhinderd"

# Plain yes to the bot's own question ("Soll ich absagen?"): yes words and courtesy,
# never agreement words ("passt", "fine", "prima") that may mean the appointment suits.
_YES = """
    ja jawohl jo jep jup yes yeah yep yup ya ok okay oke okey oki sure
    graag gerne gern bitte please pls plz doe maar go ahead jazeker jawel klar genau
"""
_YES_FILLER = """
    danke dankeschön vielen dank thanks thank you thx ty bedankt dank je wel u sehr gut
    hallo hi hey hoi sorry leider helaas x xx
"""

# Days the appointment may be named by: days from today, and weekdays (Monday = 0).
_RELATIVE_DAYS = {
    "heute": 0, "today": 0, "vandaag": 0,
    "morgen": 1, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tmw": 1, "2morrow": 1,
    "übermorgen": 2, "overmorgen": 2,
}  # fmt: skip
_WEEKDAYS = {
    **dict.fromkeys(("montag", "monday", "maandag"), 0),
    **dict.fromkeys(("dienstag", "tuesday", "tues", "dinsdag"), 1),
    **dict.fromkeys(("mittwoch", "wednesday", "woensdag"), 2),
    **dict.fromkeys(("donnerstag", "thursday", "thurs", "thur", "donderdag"), 3),
    **dict.fromkeys(("freitag", "friday", "fri", "vrijdag"), 4),
    **dict.fromkeys(("samstag", "saturday", "zaterdag"), 5),
    **dict.fromkeys(("sonntag", "sunday", "zondag"), 6),
}

# A closing name: after a comma, full stop, dash or line break, or after a closing word,
# one or two capitalised words at the very end ("…, Maria", "LG Tom Becker").
_SIGN_OFF = re.compile(
    r"(?:[,.;!\n\-–—]|\b(?:lg|LG|Lg|gruß|Gruß|grüße|Grüße|groetjes|Groetjes|groet|Groet|"
    r"gr|Gr|mvg|Mvg|MVG|thanks|Thanks|cheers|Cheers|regards|Regards|danke|Danke|"
    r"bedankt|Bedankt|thx|Thx))\s*"
    r"((?:[A-ZÄÖÜ][a-zäöüßéèáà'-]+)(?:\s+[A-ZÄÖÜ][a-zäöüßéèáà'-]+)?)\s*[.!]*\s*$"
)


def is_plain_cancel(
    text: str, *, today: date | None = None, appointment_day: date | None = None
) -> bool:
    """True when `text` asks to cancel and says nothing else: cancel words ("absagen", "sage
    ... ab", "cancel", "annuleren") with only filler around them (courtesy, greetings,
    apologies, the appointment's nouns, a request to the business, the appointment's own day,
    a closing name, a clause saying the customer cannot come). A question mark, a word the
    grammar does not know (a reason, a condition), a negation in the cancelling clause or
    another day breaks it.

    `today` and `appointment_day` let a day word name the appointment ("morgen
    absagen" when it is tomorrow); without them a day word is not plain.
    """
    read = read_text(_without_name(text))
    if read.is_question or not read.clauses:
        return False
    cancelling = False
    for clause in read.clauses:
        kind = _clause_kind(clause, today, appointment_day)
        if kind is None:
            return False
        cancelling = cancelling or kind == "cancel"
    return cancelling


def is_cancel_code(text: str) -> bool:
    """True when `text` is the cancel code alone, give or take courtesy ("X", "x danke")."""
    read = read_text(text)
    words = read.words
    code = CANCEL_CODE.casefold()
    return (
        not read.is_question
        and code in words
        and all(w == code or w in _vocabulary().yes_filler for w in words)
    )


def is_plain_yes(text: str) -> bool:
    """True when `text` is a yes and nothing more: "ja", "yes please", "ja graag", "ok", 👍."""
    read = read_text(_without_name(text))
    if read.is_question:
        return False
    v = _vocabulary()
    words = _phrases(read.words, v.phrases)
    return any(w in v.yes for w in words) and all(w in v.yes or w in v.yes_filler for w in words)


# --- the grammar ------------------------------------------------------------------------


def _clause_kind(
    clause: tuple[str, ...], today: date | None, appointment_day: date | None
) -> str | None:
    """ "cancel" for a cancelling clause, "filler" for one that changes nothing ("Hallo",
    "ich kann leider nicht"), None for anything else."""
    v = _vocabulary()
    words = _phrases(clause, v.phrases)
    cancels = False
    open_heads: list[str] = []  # particles still awaited: "sage" waits for "ab"
    unable = any(w in v.unable_negators for w in words) and any(w in v.unable for w in words)
    for index, word in enumerate(words):
        if word in v.cancel or _near_cancel_word(word):
            cancels = True
        elif word in _HEADS:
            open_heads.append(_HEADS[word])
        elif word in open_heads:
            open_heads.remove(word)
            cancels = True
        elif unable and (word in v.unable or word in v.unable_negators):
            continue
        elif word in v.modals:
            if index + 1 >= len(words) or words[index + 1] not in v.addressees:
                return None  # "kann ich absagen": asks whether, does not ask to
        elif word in v.addressees and index and words[index - 1] in v.modals:
            continue
        elif word in v.days:
            if not _is_appointment_day(word, today, appointment_day):
                return None
        elif word not in v.filler and not _is_appointment_noun(word):
            return None
    if open_heads:
        return None  # "ich sage …" without "ab": something else is said
    if cancels:
        return None if unable else "cancel"  # a negation beside the cancel word
    return "filler"


def _is_appointment_day(word: str, today: date | None, appointment_day: date | None) -> bool:
    if today is None or appointment_day is None:
        return False
    ahead = (appointment_day - today).days
    v = _vocabulary()
    if word in v.days_ahead:
        return ahead == v.days_ahead[word]
    return appointment_day.weekday() == v.weekdays[word] and 0 <= ahead < 7


def _is_appointment_noun(word: str) -> bool:
    return word in _vocabulary().appointment or (
        len(word) > 8 and word.endswith(_APPOINTMENT_ENDINGS)
    )


def _near_cancel_word(word: str) -> bool:
    """A long cancel word with one typo: a letter missing, added, swapped or wrong
    ("absgen", "stornieen", "cancle", "anuleren"), starting with the right letter."""
    if len(word) < 5 or word in _vocabulary().known:
        return False
    variants = {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}
    return any(
        name[0] == word[0] for variant in variants for name in _cancel_deletions().get(variant, ())
    )


def _phrases(words: tuple[str, ...], phrases: frozenset[tuple[str, ...]]) -> tuple[str, ...]:
    """The words with known two-word phrases joined ("guten morgen" is a greeting, not
    a day; "thank you" is courtesy, not an addressee)."""
    joined: list[str] = []
    index = 0
    while index < len(words):
        pair = tuple(words[index : index + 2])
        if len(pair) == 2 and pair in phrases:
            joined.append(" ".join(pair))
            index += 2
        else:
            joined.append(words[index])
            index += 1
    return tuple(joined)


def _without_name(text: str) -> str:
    """`text` without a closing name, unless the "name" is a word the grammar knows
    ("…, Donnerstag" names a day, not a person)."""
    text = unicodedata.normalize("NFKC", text or "").rstrip()
    found = _SIGN_OFF.search(text)
    if found is None:
        return text
    start = found.start(1)
    for part in re.finditer(r"\S+", found.group(1)):
        if not set(read_text(part.group()).words) <= _vocabulary().known:
            break
        start = found.start(1) + part.end()  # a closing word ("Mvg Eva"): the name follows
    else:
        return text  # no unknown word: nothing to drop
    return text[:start]


class _Vocabulary:
    def __init__(self) -> None:
        self.cancel = _words(_CANCEL)
        self.filler = _words(_FILLER)
        self.appointment = _words(_APPOINTMENT)
        self.modals = _words(_MODALS)
        self.addressees = _words(_ADDRESSEES)
        self.unable = _words(_UNABLE_VERBS)
        self.unable_negators = _words(_UNABLE_NEGATORS)
        self.yes = _words(_YES) | {"doe maar", "go ahead"}
        self.yes_filler = _words(_YES_FILLER) | {"thank you", "dank je", "dank u"}
        self.filler = self.filler | {"guten morgen", "good morning", "thank you", "dank je"}
        self.filler = self.filler | {"dank u", "doe maar", "go ahead"}
        self.days_ahead = _forms(_RELATIVE_DAYS)
        self.weekdays = _forms(_WEEKDAYS)
        self.days = frozenset(self.days_ahead) | frozenset(self.weekdays)
        # Two-word phrases read as one word before the grammar looks at them.
        self.phrases = frozenset(
            form
            for phrase in (
                "guten morgen", "good morning", "thank you", "dank je", "dank u", "doe maar",
                "go ahead",
            )
            for form in table_forms(phrase)
        )  # fmt: skip
        self.known = (
            self.cancel
            | self.filler
            | self.appointment
            | self.modals
            | self.addressees
            | self.unable
            | self.unable_negators
            | self.yes
            | self.yes_filler
            | self.days
            | frozenset(_HEADS)
            | frozenset(_HEADS.values())
        )


def _words(source: str) -> frozenset[str]:
    """Table words in the form `read_text` gives, with umlauts also typed the old way."""
    return frozenset(" ".join(form) for word in source.split() for form in table_forms(word))


def _forms(table: dict[str, int]) -> dict[str, int]:
    return {form: value for word, value in table.items() for form in _words(word)}


@functools.cache
def _vocabulary() -> _Vocabulary:
    return _Vocabulary()


@functools.cache
def _cancel_deletions() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for name in _vocabulary().cancel:
        if len(name) >= 6:
            for variant in {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}:
                index.setdefault(variant, set()).add(name)
    return {variant: frozenset(found) for variant, found in index.items()}

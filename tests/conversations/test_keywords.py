"""The keyword layer of `conversations.interpret`: tables of text → intent.

The corpus test reads tests/conversations/corpus/replies-dev.jsonl and checks every
line's intent (test_corpus.py checks start and window too); the tables below
are our own sentences.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversations import Intent, interpret
from conversations.reading import all_patterns, carrier_interpretation

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
# The development corpus, copied from the team's shared/corpus with its README.
CORPUS = Path(__file__).parent / "corpus" / "replies-dev.jsonl"
KEYWORD_INTENTS = {"confirm", "cancel", "opt_out", "opt_in", "help"}


def intent_of(text: str, locale: str = "de") -> Intent:
    return interpret(text, now=NOW, locale=locale).intent


CARRIER_KEYWORDS = [
    ("STOP", Intent.OPT_OUT, "stop"),
    ("stop", Intent.OPT_OUT, "stop"),
    ("  Stop.  ", Intent.OPT_OUT, "stop"),
    ("StopAll", Intent.OPT_OUT, "stopall"),
    ("UNSUBSCRIBE", Intent.OPT_OUT, "unsubscribe"),
    ("Cancel", Intent.OPT_OUT, "cancel"),
    ("END", Intent.OPT_OUT, "end"),
    ("quit", Intent.OPT_OUT, "quit"),
    ("REVOKE", Intent.OPT_OUT, "revoke"),
    ("optout", Intent.OPT_OUT, "optout"),
    ("START", Intent.OPT_IN, "start"),
    ("Unstop", Intent.OPT_IN, "unstop"),
    ("YES", Intent.CONFIRM, "yes"),
    ("HELP", Intent.HELP, "help"),
    ("Info", Intent.HELP, "info"),
]


@pytest.mark.parametrize(("text", "intent", "keyword"), CARRIER_KEYWORDS)
def test_carrier_keywords_are_what_the_carrier_made_of_them(text, intent, keyword):
    reading = interpret(text, now=NOW, locale="en")
    assert (reading.intent, reading.keyword) == (intent, keyword)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancel my booking please", Intent.CANCEL),  # not a bare keyword: the carrier ignores it
        ("please stop", Intent.OPT_OUT),
        ("yes please", Intent.CONFIRM),
        ("help me please", Intent.HELP),
    ],
)
def test_a_keyword_inside_a_sentence_is_no_carrier_keyword(text, intent):
    reading = interpret(text, now=NOW, locale="en")
    assert (reading.intent, reading.keyword) == (intent, None)


CONFIRMS = [
    ("C", "de"),
    ("c.", "nl"),
    ("JAAA!!", "de"),
    ("Passt 👍🏼", "de"),
    ("👍", "en"),
    ("Ja klar, kein Problem", "de"),
    ("Geht klar, bis morgen", "de"),
    ("Ich bin dabei", "de"),
    ("Bestätigt, danke", "de"),
    ("okay thanks", "en"),
    ("Sounds good, see you tomorrow", "en"),
    ("Sure, I'll come", "en"),
    ("oké, tot straks", "nl"),
    ("Prima, ik kom", "nl"),
    ("Is goed hoor", "nl"),
    ("Wir sehen uns!", "de"),
    ("Zie je dan", "nl"),
    ("Ja, bis dann?", "de"),  # a question, but every word of it agrees
    ("Don't cancel, I will be there", "en"),
]

CANCELS = [
    ("Nein, leider nicht", "de"),
    ("Ich komme nicht", "de"),
    ("Ich schaffe es leider nicht", "de"),
    ("Sagen Sie den Termin bitte ab", "de"),
    ("Absage bitte, bin krank", "de"),
    ("Ich möchte mich vom Termin abmelden", "de"),  # abmelden from an appointment
    ("nope", "en"),
    ("Can't make it, sorry", "en"),
    ("I am not coming", "en"),
    ("Please cancel it", "en"),
    ("ik kom niet", "nl"),
    ("Ik zeg de afspraak af", "nl"),
    ("Nee, helaas", "nl"),
    ("Ich kann am Donnerstag leider doch nicht", "de"),  # "kann … nicht" around the day
    ("Donderdag kan ik helaas niet", "nl"),
]

OPT_OUTS = [
    ("Keine SMS mehr bitte", "de"),
    ("STOPP!", "de"),
    ("Bitte abbestellen", "de"),
    ("abmelden", "de"),
    ("Please stop texting me", "en"),
    ("No more messages", "en"),
    ("unsubscribe me", "en"),
    ("STOP PLEASE", "en"),
    ("Afmelden aub", "nl"),
    ("Geen sms meer", "nl"),
]

HELPS = [("Hilfe bitte", "de"), ("help?", "en"), ("Hulp", "nl")]

RESCHEDULES = [
    ("Können wir das verschieben?", "de"),
    ("Lässt sich der Termin umbuchen?", "de"),
    ("Geht es etwas früher?", "de"),
    ("Spaeter?", "de"),  # umlaut typed the old way
    ("Could we do another day?", "en"),
    ("Can I come later?", "en"),
    ("Ik wil graag een ander tijdstip", "nl"),
]

OTHERS = [
    ("", "de"),
    ("🙂", "de"),
    ("Danke schön", "de"),
    ("Ich komme 10 Minuten später", "de"),  # running late, not a reschedule
    ("Nein, passt mir nicht", "de"),  # no, but maybe another time: staff decide
    ("Ok, kann ich mit Karte zahlen?", "de"),  # yes, and a question the bot cannot answer
    ("Ich sage Bescheid, ab wann ich kann", "de"),  # "sage … ab" split by a comma
    ("Ich habe keine SMS bekommen", "de"),
    ("Wer ist da?", "de"),
    ("Not sure yet", "en"),
    ("I'll be 5 minutes late", "en"),
    ("Is there parking nearby?", "en"),
    ("Klopt dat niet?", "nl"),
]


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [(t, loc, Intent.CONFIRM) for t, loc in CONFIRMS]
    + [(t, loc, Intent.CANCEL) for t, loc in CANCELS]
    + [(t, loc, Intent.OPT_OUT) for t, loc in OPT_OUTS]
    + [(t, loc, Intent.HELP) for t, loc in HELPS]
    + [(t, loc, Intent.RESCHEDULE) for t, loc in RESCHEDULES]
    + [(t, loc, Intent.OTHER) for t, loc in OTHERS],
)
def test_intent_table(text, locale, intent):
    assert intent_of(text, locale) == intent


def test_a_reply_in_another_language_than_the_business_is_still_read():
    assert intent_of("yep, see you then", "de") == Intent.CONFIRM
    assert intent_of("Ja, passt", "en") == Intent.CONFIRM
    assert intent_of("graag annuleren", "de") == Intent.CANCEL


def test_a_reschedule_that_names_no_time_carries_none():
    reading = interpret("Können wir verschieben?", now=NOW, locale="de")
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, None, None)


def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError):
        interpret("ja", now=datetime(2026, 11, 25, 10, 0), locale="de")


def _corpus_lines(*, all_intents: bool = False):
    with CORPUS.open(encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle if line.strip()]
    return [line for line in lines if all_intents or line["intent"] in KEYWORD_INTENTS]


@pytest.mark.parametrize("line", _corpus_lines(), ids=lambda line: line["id"])
def test_corpus_keyword_intents(line):
    reading = interpret(line["text"], now=NOW, locale=line["locale"])
    assert reading.intent == line["intent"], line["text"]


@pytest.mark.parametrize(
    "line",
    [line for line in _corpus_lines(all_intents=True) if line["intent"] not in KEYWORD_INTENTS],
    ids=lambda line: line["id"],
)
def test_corpus_lines_beyond_keywords(line):
    # Reschedules need the date reader for their start and window (test_corpus.py
    # checks those); their intent must be right even without an appointment.
    assert interpret(line["text"], now=NOW, locale=line["locale"]).intent == line["intent"]


def test_corpus_has_lines_for_every_keyword_intent():
    assert {line["intent"] for line in _corpus_lines()} == KEYWORD_INTENTS


@pytest.mark.parametrize(
    ("opt_out_type", "text", "intent", "keyword"),
    [
        ("STOP", "Cancel", Intent.OPT_OUT, "cancel"),
        ("STOP", "arrêt", Intent.OPT_OUT, "arret"),  # a keyword the business configured
        ("START", "start", Intent.OPT_IN, "start"),
        ("HELP", "help", Intent.HELP, "help"),
    ],
)
def test_twilio_advanced_opt_out_type_is_authoritative(opt_out_type, text, intent, keyword):
    reading = carrier_interpretation(opt_out_type, text)
    assert (reading.intent, reading.keyword) == (intent, keyword)


def test_without_opt_out_type_the_carrier_said_nothing():
    assert carrier_interpretation(None, "STOP") is None
    assert carrier_interpretation("", "STOP") is None


def test_tables_are_consistent_across_languages():
    # all_patterns raises when two languages give one phrase different cues.
    patterns = all_patterns()
    assert ("kein", "problem") in patterns
    assert ("spaeter",) in patterns and ("spater",) in patterns

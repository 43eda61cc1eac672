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
from conversations.asks import REQUEST_WORDS
from conversations.keywords import Cue
from conversations.lexicon import PLEASE
from conversations.reading import all_patterns, carrier_interpretation
from conversations.text import read_text

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
# The development corpus, as the team wrote it, with its README (labelling conventions).
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
    ("Ich komme wieder", "de"),  # "wieder" is no opt-in
    ("Ich werde den Termin wahrnehmen", "de"),
    ("Perfect thanks", "en"),  # praise beside thanks, no thanks for anything
    ("Super, tot donderdag!", "nl"),
    ("Super bedankt, tot morgen", "nl"),  # the farewell confirms
    ("I'll drop by for my appointment", "en"),  # "drop by" comes, it strikes nothing
]

CANCELS = [
    ("Nein, leider nicht", "de"),
    ("Nein, passt mir nicht", "de"),  # declines the appointment, as "leider nicht" does
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
    # A verb that strikes the appointment beside it, or said alone.
    ("Den Termin können Sie streichen", "de"),
    ("Termin bitte löschen", "de"),
    ("Hat sich erledigt", "de"),
    ("Der Termin fällt leider aus", "de"),
    ("Please drop my appointment", "en"),
    ("You can scrap the booking", "en"),
    ("Delete my appointment please", "en"),
    ("Please take me off the schedule", "en"),  # off the schedule: the appointment
    ("De afspraak mag geschrapt worden", "nl"),
    ("Verwijder mijn afspraak aub", "nl"),
    ("Afspraak mag vervallen", "nl"),
    # Not needing or wanting the appointment any more; being prevented.
    ("Ich benötige den Termin nicht mehr", "de"),
    ("Den Termin brauche ich nicht mehr, danke", "de"),
    ("Der Termin ist nicht mehr nötig", "de"),
    ("Brauche ich nicht mehr", "de"),
    ("Bin leider verhindert", "de"),
    ("I don't need the appointment anymore", "en"),
    ("I no longer need my booking", "en"),
    ("Not needed anymore, thanks", "en"),
    ("Ik heb de afspraak niet meer nodig", "nl"),
    ("Ik hoef de afspraak niet meer", "nl"),
    ("Niet meer nodig, bedankt", "nl"),
    ("Ben helaas verhinderd", "nl"),
    ("Ich brauche den Zahnarzttermin nicht mehr", "de"),  # compounds name the appointment
    ("Mijn tandartsafspraak mag vervallen", "nl"),
    # "can go", "mag weg", "kann weg": said of the appointment.
    ("The booking can go, sorted it myself", "en"),
    ("My appointment may go, thanks", "en"),
    ("Die afspraak kan weg hoor", "nl"),
    ("Mijn afspraak mag eruit, bedankt", "nl"),
    ("Der Termin kann weg, danke", "de"),
    ("Den Termin dürft ihr streichen", "de"),
    ("Den Termin könntet ihr bitte streichen", "de"),
    # Southern German: "ko ned", "kann nit", "absogn".
    ("Mir ko ned am Donnerstag, sorry", "de"),
    ("I kann morgn nit", "de"),
    ("Bitte den Termin obsogn", "de"),
    ("Ich cha leider nöd", "de"),
    ("I kimm ned", "de"),
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
    # A stop verb alone, or said of the messages.
    ("Stoppen bitte", "de"),
    ("SMS stoppen", "de"),
    ("Erinnerungen bitte ausschalten", "de"),
    ("Hört auf, mir Nachrichten zu schicken", "de"),
    ("Schalten Sie die Benachrichtigungen ab", "de"),
    ("Please stop the notifications", "en"),
    ("Turn off the reminders", "en"),
    ("stop texts plz", "en"),
    ("Stoppen alsjeblieft", "nl"),
    ("Stop met sms'en", "nl"),
    ("Zet de meldingen uit", "nl"),
    # No more / never again / don't, next to the messages or a verb of sending.
    ("Ich möchte keine SMS mehr erhalten", "de"),
    ("Schickt mir bitte keine Erinnerungen mehr", "de"),
    ("Nicht mehr erinnern bitte", "de"),
    ("Nie wieder SMS", "de"),
    ("Ich will keine Werbung", "de"),
    ("No more reminders pls", "en"),
    ("I don't want any more texts", "en"),
    ("Don't message me again", "en"),
    ("I no longer want to get these messages", "en"),
    ("I don't want reminders", "en"),
    ("Geen berichten meer sturen aub", "nl"),
    ("Ik wil geen herinneringen meer", "nl"),
    ("Stuur me geen sms'jes meer", "nl"),
    ("Niet meer appen", "nl"),
    ("Geen herinneringen a.u.b.", "nl"),
    ("Do not text me", "en"),
    # Striking the number, cancelling the messages.
    ("Meine Nummer bitte löschen", "de"),
    ("Bitte die Erinnerungen stornieren", "de"),
    ("Von den Termin-Erinnerungen abmelden", "de"),  # the appointment's reminders
    ("Please delete my number", "en"),
    ("cancel the text reminders", "en"),
    ("Please drop the appointment reminders", "en"),
    ("Verwijder mijn nummer", "nl"),
    ("Herinneringen annuleren aub", "nl"),
]

OPT_INS = [
    ("Bitte wieder SMS schicken", "de"),
    ("Ich will die Erinnerungen wieder bekommen", "de"),
    ("Erinnerungen wieder einschalten", "de"),
    ("Könnt ihr mir wieder Nachrichten senden?", "de"),
    ("Bitte wieder anmelden", "de"),
    ("Trag mich wieder ein", "de"),
    ("Send me texts again please", "en"),
    ("I'd like to get reminders again", "en"),
    ("Please resume the reminders", "en"),
    ("Turn the reminders back on", "en"),
    ("Sign me up again", "en"),
    ("opt back in", "en"),
    ("Start again pls", "en"),
    ("Can I get the texts again?", "en"),
    ("Stuur me weer sms'jes", "nl"),
    ("Ik wil weer herinneringen ontvangen", "nl"),
    ("Herinneringen weer aanzetten aub", "nl"),
    ("Opnieuw aanmelden graag", "nl"),
    ("Zet de berichten weer aan", "nl"),
    ("Mag ik weer herinneringen krijgen?", "nl"),
]

HELPS = [
    ("Hilfe bitte", "de"),
    ("help?", "en"),
    ("Hulp", "nl"),
    ("Ich benötige Hilfe", "de"),
    ("Need some help", "en"),
    ("help plz", "en"),
    ("Ik heb hulp nodig", "nl"),
    ("Hilfe benötigt", "de"),
    ("Mehr Infos bitte", "de"),
    ("more info please", "en"),
    ("Meer info a.u.b.", "nl"),
]

RESCHEDULES = [
    ("Können wir das verschieben?", "de"),
    ("Lässt sich der Termin umbuchen?", "de"),
    ("Geht es etwas früher?", "de"),
    ("Spaeter?", "de"),  # umlaut typed the old way
    ("Could we do another day?", "en"),
    ("Can I come later?", "en"),
    ("Ik wil graag een ander tijdstip", "nl"),
    # Another or a new time, changing it, verbs of moving; a move asked for politely.
    ("Bitte umplanen", "de"),
    ("Ich hätte gern einen anderen Termin", "de"),
    ("Können wir einen neuen Zeitpunkt finden?", "de"),
    ("Kann ich die Uhrzeit ändern?", "de"),
    ("Wäre ein späterer Termin möglich?", "de"),
    ("Termin bitte neu vereinbaren", "de"),
    ("Ein bisschen später wär super", "de"),  # "wär" is "wäre", not "war"
    ("Could we rearrange?", "en"),
    ("I need a new time", "en"),
    ("Can I get a different slot?", "en"),
    ("I need to push my appointment", "en"),
    ("Any other day would be better", "en"),
    ("a bit later would be great", "en"),
    ("Could I have a new time please", "en"),
    ("Kunnen we een nieuwe afspraak maken?", "nl"),
    ("Kan de afspraak verschoven worden?", "nl"),
    ("Ik wil de tijd wijzigen", "nl"),
    ("Kunnen we schuiven?", "nl"),
    ("Ik moet de afspraak omplannen", "nl"),
    ("Iets eerder zou fijn zijn", "nl"),
    # A replacement: compounds and adjectives naming another time.
    ("Hätten Sie einen Ausweichtermin?", "de"),
    ("Hätten Sie noch einen anderen Termin?", "de"),  # "hätten" opening a question asks
    ("Ich bräuchte einen Alternativtermin", "de"),
    ("Gerne ein Ersatzdatum", "de"),
    ("Could I get a replacement appointment?", "en"),
    ("An alternative slot would be great", "en"),
    ("Graag een vervangende afspraak", "nl"),
    ("Is er een inhaalafspraak mogelijk?", "nl"),
]

OTHERS = [
    ("", "de"),
    ("🙂", "de"),
    ("Danke schön", "de"),
    ("Ich komme 10 Minuten später", "de"),  # running late, not a reschedule
    ("Ok, kann ich mit Karte zahlen?", "de"),  # yes, and a question the bot cannot answer
    ("Ich sage Bescheid, ab wann ich kann", "de"),  # "sage … ab" split by a comma
    ("Ich habe keine SMS bekommen", "de"),
    ("Wer ist da?", "de"),
    ("Not sure yet", "en"),
    ("I'll be 5 minutes late", "en"),
    ("Is there parking nearby?", "en"),
    ("Klopt dat niet?", "nl"),
    # "again" alone, in thanks, or of one message is no opt-in.
    ("wieder", "de"),
    ("again", "en"),
    ("weer", "nl"),
    ("Danke nochmal für die Erinnerungen", "de"),
    ("Danke, dass ihr wieder Erinnerungen schickt", "de"),
    ("Thanks again for the reminder", "en"),
    ("Send me the reminder again", "en"),  # one message sent again
    ("Bedankt voor de herinnering", "nl"),
    # Reports are no opt-out.
    ("Ich bekomme keine Erinnerungen mehr", "de"),
    ("Nicht vergessen, mich zu erinnern!", "de"),
    ("Why didn't you text me?", "en"),
    ("I can't text anymore", "en"),
    ("Ik krijg geen sms meer", "nl"),
    # Praise in thanks is no confirmation.
    ("Super danke für die Info", "de"),
    ("Great, thanks for the reminder", "en"),
    ("Super bedankt!", "nl"),
    ("Top, bedankt voor het bericht", "nl"),
    # "the other day", "der neue Termin" are known times; a number is no appointment.
    ("Ist der neue Termin bestätigt?", "de"),
    ("I was there the other day", "en"),
    ("Can I change my phone number?", "en"),
]

# Nothing here may be read as a cancellation: negated, conditional, or not about
# the appointment (the bot would cancel an appointment the customer wants to keep).
# A cancellation refused ("sage den Termin nicht ab") is a yes; the others say nothing certain.
NOT_CANCELS = [
    ("Ich sage den Termin nicht ab", "de", Intent.CONFIRM),
    ("Der Termin fällt nicht aus", "de", Intent.CONFIRM),
    ("Bitte den Termin nicht löschen", "de", Intent.OTHER),
    ("Falls ich verhindert bin, melde ich mich", "de", Intent.OTHER),
    ("Ich will den Termin nicht verpassen", "de", Intent.OTHER),
    ("Brauche ich für den Termin eine Überweisung?", "de", Intent.OTHER),
    ("Ich brauche keinen neuen Termin", "de", Intent.OTHER),
    ("Meine Frage hat sich erledigt", "de", Intent.OTHER),
    ("Bitte löschen", "de", Intent.OTHER),  # löschen what?
    ("Streich das, lieber Freitag", "de", Intent.RESCHEDULE),  # "scratch that"
    ("Ik zeg de afspraak niet af", "nl", Intent.CONFIRM),
    ("Als ik niet kan, laat ik het weten", "nl", Intent.OTHER),
    ("Ik wil de afspraak niet missen", "nl", Intent.OTHER),
    ("If I can't make it I'll let you know", "en", Intent.OTHER),
    ("I don't want to miss my appointment", "en", Intent.OTHER),
    ("I don't need to bring anything to the appointment, right?", "en", Intent.OTHER),
    ("I'll drop off the kids before my appointment", "en", Intent.OTHER),
    ("Strike that, I meant Friday", "en", Intent.RESCHEDULE),
    ("Don't delete my appointment", "en", Intent.OTHER),
    ("Drop me a text when you know the price", "en", Intent.OTHER),
    # "can go" needs the appointment beside it, and "can go ahead" keeps it.
    ("I can go on Friday", "en", Intent.RESCHEDULE),
    ("My appointment can go ahead as planned", "en", Intent.OTHER),
    ("Can go", "en", Intent.OTHER),
    ("Mag weg", "nl", Intent.OTHER),
    ("Ik kan weg om 3 uur", "nl", Intent.RESCHEDULE),
    ("Bitte ned absogn", "de", Intent.CONFIRM),  # the cancellation refused: a yes
    ("Morgn ned, aber Freitag", "de", Intent.RESCHEDULE),
    ("Ich weiß, es ist spät, aber passt alles", "de", Intent.CONFIRM),
]

# The grammar, not a list of sentences: every way of saying it with every name for
# the messages or the appointment.
SAYING = {
    Intent.OPT_OUT: {
        "de": ["Bitte keine {} mehr", "Ich möchte keine {} mehr bekommen", "{} bitte stoppen",
               "Schickt mir keine {} mehr", "Bitte die {} abschalten", "Keine {} bitte"],
        "en": ["No more {} please", "Stop sending me {}", "I don't want any more {}",
               "Turn off the {}", "Please cancel the {}", "I no longer want {}"],
        "nl": ["Geen {} meer aub", "Stuur me geen {} meer", "Ik wil geen {} meer ontvangen",
               "Stop met de {}", "Zet de {} uit", "Nooit meer {} a.u.b."],
    },
    Intent.OPT_IN: {
        "de": ["Bitte wieder {} schicken", "Ich möchte wieder {} bekommen",
               "{} wieder einschalten", "Bitte wieder für {} anmelden"],
        "en": ["Send me {} again", "I'd like to receive {} again", "Turn the {} back on",
               "Please start sending {} again"],
        "nl": ["Stuur me weer {}", "Ik wil weer {} ontvangen", "Zet de {} weer aan",
               "Opnieuw aanmelden voor {}"],
    },
    Intent.CANCEL: {
        "de": ["Bitte den {} streichen", "Ich brauche den {} nicht mehr",
               "Der {} kann gelöscht werden", "Den {} brauche ich nicht mehr"],
        "en": ["Please drop my {}", "I don't need the {} anymore", "You can delete my {}",
               "My {} is no longer needed"],
        "nl": ["Graag de {} schrappen", "Ik heb de {} niet meer nodig", "Mijn {} mag vervallen",
               "De {} is niet meer nodig"],
    },
}  # fmt: skip
NAMES = {
    Intent.OPT_OUT: {
        "de": ["SMS", "Erinnerungen", "Benachrichtigungen", "Termin-Erinnerungen"],
        "en": ["texts", "reminders", "text messages", "appointment reminders"],
        "nl": ["sms'jes", "herinneringen", "berichten", "meldingen"],
    },
    Intent.CANCEL: {
        "de": ["Termin", "Termin am Donnerstag", "Friseurtermin"],
        "en": ["appointment", "booking", "appointment on Thursday"],
        "nl": ["afspraak", "afspraak van donderdag", "kappersafspraak"],
    },
}
NAMES[Intent.OPT_IN] = NAMES[Intent.OPT_OUT]


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        (saying.format(name), locale, intent)
        for intent, languages in SAYING.items()
        for locale, sayings in languages.items()
        for saying in sayings
        for name in NAMES[intent][locale]
    ],
)
def test_every_way_of_saying_it_with_every_name(text, locale, intent):
    assert intent_of(text, locale) == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [(t, loc, Intent.CONFIRM) for t, loc in CONFIRMS]
    + [(t, loc, Intent.CANCEL) for t, loc in CANCELS]
    + [(t, loc, Intent.OPT_OUT) for t, loc in OPT_OUTS]
    + [(t, loc, Intent.OPT_IN) for t, loc in OPT_INS]
    + [(t, loc, Intent.HELP) for t, loc in HELPS]
    + [(t, loc, Intent.RESCHEDULE) for t, loc in RESCHEDULES]
    + [(t, loc, Intent.OTHER) for t, loc in OTHERS],
)
def test_intent_table(text, locale, intent):
    assert intent_of(text, locale) == intent


@pytest.mark.parametrize(("text", "locale", "intent"), NOT_CANCELS)
def test_nothing_that_keeps_the_appointment_is_a_cancellation(text, locale, intent):
    assert intent_of(text, locale) == intent


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Geen sms meer a.u.b.", ("geen", "sms", "meer", "aub")),
        ("z.B. morgen", ("zb",)),  # the final full stop still ends a clause
        ("früher wär gut", ("fruher", "ware", "gut")),
        ("wär's möglich?", ("ware", "moglich")),
        ("Wärme", ("warme",)),
    ],
)
def test_dotted_letters_are_one_word_and_war_is_ware(text, words):
    assert read_text(text).clauses[0] == words


def test_every_please_is_a_filler_and_a_request():
    fillers = {form[0] for form, cue in all_patterns().items() if cue == Cue.FILLER}
    assert PLEASE <= fillers
    assert PLEASE <= REQUEST_WORDS


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
    assert ("losch*",) in patterns and ("loesch*",) in patterns  # word classes too

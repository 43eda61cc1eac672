"""Families of ordinary phrasing the reply reader must get right, in German, English and Dutch.

Each family is a way customers write, not a sentence: saying they cannot
come without the word "cancel", a negation that turns a verb around ("bitte
nicht stornieren"), being unsure, asking about the appointment, the business
or what cancelling costs, opting out or in in a whole sentence, SMS spelling,
clock idioms ("kwart voor zes"), a day with a part of it in either order, and
saying that nothing needs to change. Every line is read with the corpus facts
(now Wednesday 2026-11-25 10:00 in Europe/Berlin, the appointment Thursday
2026-11-26 14:00); the sentences are our own, written to the conventions of
tests/conversations/corpus/README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations import interpret

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
APPOINTMENT = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)


def at(number: int, clock: str) -> str:
    """The ISO start of `clock` on day `number` (20–30 November, 1–19 December 2026)."""
    hours, minutes = map(int, clock.split(":"))
    day = datetime(2026, 11 if number >= 20 else 12, number, tzinfo=BERLIN)
    return (day + timedelta(hours=hours, minutes=minutes)).isoformat()


def window(number: int, first: str, last: str) -> list[str]:
    return [at(number, first), at(number, last)]


def read(text: str, locale: str) -> tuple[str, str | None, list[str] | None]:
    reading = interpret(text, now=NOW, locale=locale, appointment_start=APPOINTMENT)
    start = reading.start.isoformat() if reading.start else None
    span = [bound.isoformat() for bound in reading.window] if reading.window else None
    return reading.intent.value, start, span


def lines(intent: str, *rows: tuple[str, str]) -> list[tuple[str, str, str, None, None]]:
    """Rows of (locale, text) that all mean `intent` with no time."""
    return [(locale, text, intent, None, None) for locale, text in rows]


# Saying one cannot come, without the word "cancel".
UNABLE = lines(
    "cancel",
    ("de", "Morgen geht bei mir leider nicht"),
    ("de", "Isch kann morgen nisch, sorry"),
    ("de", "Bin morgen nicht da"),
    ("de", "es passt mir morgen leider doch nicht"),
    ("de", "ich werde es nicht schaffen"),
    ("en", "gonna have to skip tomorrow"),
    ("en", "can't do tomorrow sorry"),
    ("nl", "het gaat morgen niet lukken"),
    ("nl", "sorry ik haal het niet"),
    ("de", "Ich bin morgen leider verhindert"),
    ("de", "Muss leider passen"),
    ("de", "MUSS PASSEN SORRY"),
    ("de", "ich muss für morgen passen"),
    ("de", "klappt bei mir leider nicht"),
    ("de", "Das wird bei mir nichts, sorry"),
    ("de", "schaff es morgen nich"),
    ("de", "ich komm morgen nich"),
    ("de", "bin leider verhinndert"),
    ("en", "can't make it"),
    ("en", "CANT MAKE IT"),
    ("en", "won't be there tomorrow, sorry"),
    ("en", "I wont be able to come"),
    ("en", "not gonna make it sorry"),
    ("en", "I'm not going to be able to make it"),
    ("en", "cnt make it tmrw"),
    ("en", "count me out for thursday"),
    ("en", "I can't come anymore"),
    # thanks after a separable verb's particle, "nix" for "nichts", "nehme … nicht wahr"
    ("de", "ich sag den Termin ab, danke dir"),
    ("de", "sagen den termin ab sorry"),
    ("nl", "ik zeg de afspraak af hoor"),
    ("de", "das wird morgen leider nix"),
    ("de", "ich nehme den Termin am Donnerstag nicht wahr"),
    ("de", "meld mich für morgen ab danke"),
    ("nl", "ik red het niet"),
    ("nl", "Ik red het helaas niet morgen"),
    ("nl", "lukt me helaas niet"),
    ("nl", "LUKT ME NIET"),
    ("nl", "gaat me niet lukken"),
    ("nl", "ik kan er morgen niet bij zijn"),
    ("nl", "ik ben verhinderd"),
    ("nl", "ik red t niet"),
    ("nl", "kan nie komen sorry"),
)

# A negation that turns the verb around: a cancel or a move refused is a confirmation.
KEEPS = lines(
    "confirm",
    ("de", "bleibt alles wie besprochen"),
    ("en", "keep it as it is please"),
    ("en", "no need to reschedule"),
    ("nl", "hoeft niet verzet te worden"),
    ("de", "bitte nicht stornieren, ich komme"),
    ("de", "Nicht absagen! Ich bin da"),
    ("de", "Bitte nichts verschieben, passt so"),
    ("de", "Nein nicht absagen, ich komme"),
    ("en", "don't move it, it's fine"),
    ("en", "Please don't cancel, I'm coming"),
    ("en", "no don't reschedule, that time works"),
    ("en", "do not cancel my appointment i will be there"),
    ("nl", "niet annuleren hoor"),
    ("nl", "Niet annuleren, ik kom gewoon"),
    ("nl", "niet verzetten, het is goed zo"),
    ("nl", "nee niet afzeggen, ik ben er"),
)

# A time refused, another asked for: a reschedule, never a cancel.
REFUSED_TIMES = [
    ("de", "um 2 kann ich nicht, geht auch 4?", "reschedule", at(26, "16:00"), None),
    ("en", "2 doesn't work, could we do 4?", "reschedule", at(26, "16:00"), None),
    ("de", "morgens geht nicht, lieber um 5?", "reschedule", at(26, "17:00"), None),
    ("de", "Vormittag kann ich nicht, ginge 4?", "reschedule", at(26, "16:00"), None),
    ("de", "2 geht nicht, lieber um halb 5", "reschedule", at(26, "16:30"), None),
    ("en", "mornings don't work for me, could we do 5?", "reschedule", at(26, "17:00"), None),
    ("en", "not at 2, rather 4 please", "reschedule", at(26, "16:00"), None),
    ("nl", "ochtend lukt niet, liever om 5?", "reschedule", at(26, "17:00"), None),
    ("nl", "om 2 kan ik niet, liever om 4", "reschedule", at(26, "16:00"), None),
]

# Refusing the booked time without asking for another declines it; asking is never a cancel.
REFUSED_HOURS = [
    ("de", "Morgen um 2 geht bei mir nicht", "cancel", None, None),
    ("nl", "om 2 uur lukt niet", "cancel", None, None),
    ("de", "Vormittag kann ich nicht, was ginge noch?", "other", None, None),
    ("en", "can't make it, is there anything else?", "other", None, None),
]

# Not knowing yet is no answer: staff follow it up.
UNSURE = lines(
    "other",
    ("de", "vielleicht, ich schau mal"),
    ("de", "Weiß ich noch nicht, ich melde mich"),
    ("de", "Bin mir nicht sicher ob ich es schaffe"),
    ("de", "eventuell kann ich nicht, sag morgen Bescheid"),
    ("de", "mal sehen ob das klappt"),
    ("de", "Keine Ahnung ob ich kommen kann"),
    ("en", "might not make it, I'll text you tomorrow"),
    ("en", "maybe, not sure yet"),
    ("en", "not sure I can make it"),
    ("en", "I may not be able to come, will let you know"),
    ("en", "possibly can't come, will confirm later"),
    ("en", "dunno yet"),
    ("nl", "weet ik nog niet"),
    ("nl", "misschien, ik laat het nog weten"),
    ("nl", "ik weet niet of ik kan komen"),
    ("nl", "Ik weet nog niet zeker of het lukt"),
    ("nl", "wellicht lukt het niet, ik bel nog"),
)

# Questions about the appointment or the business, even with a time in them.
ASKS_ABOUT = lines(
    "other",
    ("en", "do you open on sundays?"),
    ("en", "what time do you close on friday?"),
    ("nl", "Hoe laat gaan jullie zaterdag open?"),
    ("de", "Bis wann habt ihr am Freitag offen?"),
    ("de", "war der Termin nicht um 15 Uhr?"),
    ("de", "Ist mein Termin morgen um 14 oder um 15 Uhr?"),
    ("de", "Habt ihr samstags auf?"),
    ("de", "Haben Sie am Samstag geöffnet?"),
    ("de", "Um wie viel Uhr war mein Termin nochmal?"),
    ("en", "are you open on Saturdays?"),
    ("en", "Was my appointment at 3 or 2?"),
    ("en", "what time is my appointment tomorrow?"),
    ("en", "Are you guys open Sunday?"),
    ("en", "Is it tomorrow at 2?"),
    ("nl", "Zijn jullie zaterdag open?"),
    ("nl", "Was mijn afspraak niet om 3 uur?"),
    ("nl", "Hoe laat is mijn afspraak morgen?"),
    ("nl", "Zijn jullie op zondag geopend?"),
)

# Questions about cancelling: never a cancellation.
ASKS_ABOUT_CANCELLING = lines(
    "other",
    ("de", "was kostet es, wenn ich absage?"),
    ("de", "Wie sind eure Stornobedingungen?"),
    ("de", "Bis wann kann ich kostenlos stornieren?"),
    ("de", "Gibt es eine Stornogebühr?"),
    ("de", "Muss ich zahlen wenn ich den Termin absage?"),
    ("de", "Kann man den Termin auch kurzfristig absagen?"),
    ("en", "what is your cancellation policy?"),
    ("en", "How late can I cancel?"),
    ("en", "Is there a fee if I cancel?"),
    ("en", "Do you charge for cancellations?"),
    ("en", "how do I cancel"),
    ("en", "whats the cancellation fee"),
    ("nl", "hoe laat kan ik annuleren?"),
    ("nl", "Wat kost het als ik annuleer?"),
    ("nl", "Tot wanneer kan ik gratis afzeggen?"),
    ("nl", "Zijn er annuleringskosten?"),
    ("nl", "Hoe kan ik mijn afspraak annuleren?"),
    # what was done, or what the business does, is no request either
    ("en", "Did you cancel my appointment?"),
    ("de", "Habt ihr meinen Termin storniert?"),
    ("de", "Storniert ihr auch kurzfristig?"),
    ("nl", "Hebben jullie mijn afspraak geannuleerd?"),
    # a preposition before the question word, no question mark, signing off
    ("nl", "tot wanneer kan ik kosteloos afzeggen"),
    ("de", "bis wann kann ich mich kostenlos abmelden"),
    ("en", "up to when can I cancel for free"),
    ("de", "wie viele Stunden vorher muss ich mich abmelden?"),
    ("nl", "hoeveel dagen van tevoren moet ik me afmelden?"),
    ("en", "how many hours in advance do I have to cancel?"),
)

# A request to cancel put as a question to the business stays a cancellation.
ASKS_TO_CANCEL = lines(
    "cancel",
    ("de", "Können Sie meinen Termin bitte stornieren?"),
    ("en", "Could you cancel my appointment please?"),
    ("nl", "Kunnen jullie mijn afspraak annuleren?"),
    ("de", "Könnt ihr bitte absagen?"),
    ("en", "can you cancel it for me?"),
)

# Something else that does not work is no declining: "the link doesn't work".
NOT_DECLINED = [
    ("en", "I can't cancel online, the link doesn't work", "other", None, None),
    ("de", "Der Link geht nicht", "other", None, None),
    ("nl", "de link werkt niet, ik kom wel", "confirm", None, None),
]

# Opting out and in, in whole sentences; signing off an appointment is a cancellation.
OPT_OUTS = lines(
    "opt_out",
    ("de", "schickt mir bitte keine Nachrichten mehr"),
    ("de", "Ich will von euch nichts mehr bekommen"),
    ("de", "bitte nehmt meine Nummer aus eurem System"),
    ("en", "please stop sending me these"),
    ("en", "I don't want to receive any more texts from you"),
    ("en", "take my number off your system"),
    ("nl", "stuur me alsjeblieft geen berichten meer"),
    ("nl", "ik wil niks meer van jullie ontvangen"),
    ("nl", "Haal mijn nummer uit jullie systeem"),
    # a word inside "hört … auf", the particle not last
    ("de", "hört bitte auf mir sms zu schicken"),
    ("de", "Hör endlich auf mir zu schreiben"),
    ("de", "hört jetzt auf mir nachrichten zu schicken"),
)
OPT_INS = lines(
    "opt_in",
    ("de", "Ihr dürft mir wieder schreiben"),
    ("de", "Ich möchte wieder Erinnerungen bekommen"),
    ("en", "you can text me again"),
    ("en", "you may send me reminders again"),
    ("nl", "jullie mogen me weer berichten sturen"),
    ("nl", "Ik wil weer herinneringen krijgen"),
)
SIGNS_OFF = lines(
    "cancel",
    ("de", "ich melde mich für morgen ab"),
    ("de", "Ich muss mich für Donnerstag abmelden"),
    ("nl", "afmelden voor vrijdag"),
    ("nl", "Ik meld me af voor morgen"),
    ("en", "please sign me off for tomorrow"),
)

# SMS-speak and spelling.
SMS_CONFIRMS = lines(
    "confirm",
    ("nl", "okidoki"),
    ("de", "Tamam, ich komme"),
    # being there with the day or "on time" inside, a Turkish yes
    ("de", "bin am Donnerstag da"),
    ("de", "sind pünktlich da"),
    ("de", "evet, bin dann da"),
    ("en", "I'll be there on time"),
    ("nl", "ben er morgen op tijd"),
    ("en", "see ya thurs"),
    ("en", "c u tmrw"),
    ("en", "yup will b there"),
    ("en", "ill b there"),
    ("en", "kk"),
    ("en", "okk"),
    ("en", "sure thing"),
    ("en", "yess see u then"),
    ("de", "passt scho"),
    ("de", "jaa passt"),
    ("de", "Jo komme"),
    ("de", "bis morgn"),
    ("de", "alles klar bis dann"),
    ("de", "passt schon bin da"),
    ("de", "ja ich komm"),
    ("nl", "ik kom zeker"),
    ("nl", "ik kom"),
    ("nl", "jaa prima"),
    ("nl", "tot morgn"),
    ("nl", "is gud"),
    ("nl", "oke top"),
)
SMS_RESCHEDULES = [
    ("en", "can we do fri 3pm instead", "reschedule", at(27, "15:00"), None),
    ("en", "cn we move it 2 tmrw 4pm", "reschedule", at(26, "16:00"), None),
    ("de", "koennen wir auf montag um 10 verschieben", "reschedule", at(30, "10:00"), None),
    ("de", "gehts auch freitag um 5", "reschedule", at(27, "17:00"), None),
    ("nl", "kan t ook vrijdag om 4", "reschedule", at(27, "16:00"), None),
]

# Clock idioms.
CLOCKS = [
    ("nl", "Kan het vrijdag om vijf over half vier?", "reschedule", at(27, "15:35"), None),
    ("nl", "liever om kwart voor zes", "reschedule", at(26, "17:45"), None),
    ("nl", "vrijdag tien voor half vijf?", "reschedule", at(27, "16:20"), None),
    ("nl", "kan het om kwart over drie?", "reschedule", at(26, "15:15"), None),
    ("de", "Geht auch viertel vor sechs?", "reschedule", at(26, "17:45"), None),
    ("de", "Freitag zehn nach halb drei?", "reschedule", at(27, "14:40"), None),
    ("de", "lieber fünf vor halb vier", "reschedule", at(26, "15:25"), None),
    ("de", "Können wir auf zwanzig nach vier gehen?", "reschedule", at(26, "16:20"), None),
    ("de", "Montag um viertel nach 10?", "reschedule", at(30, "10:15"), None),
    ("en", "could we do ten to six?", "reschedule", at(26, "17:50"), None),
    ("en", "friday at twenty past three?", "reschedule", at(27, "15:20"), None),
    ("en", "can we do 5 instead", "reschedule", at(26, "17:00"), None),
    ("en", "could it be 4 instead of 2?", "reschedule", at(26, "16:00"), None),
    ("en", "ok but can it be 5", "reschedule", at(26, "17:00"), None),
    ("en", "we will be 2", "other", None, None),
]

# A day and a part of it, in either order.
DAY_AND_PERIOD = [
    ("en", "Friday, preferably late afternoon?", "reschedule", None, window(27, "12:00", "18:00")),
    ("de", "Dienstag, am besten nachmittags", "reschedule", None, window(1, "12:00", "18:00")),
    ("de", "Lieber nachmittags am Dienstag", "reschedule", None, window(1, "12:00", "18:00")),
    ("de", "Freitag nach dem Mittagessen?", "reschedule", None, window(27, "12:00", "18:00")),
    ("de", "montag eher vormittags bitte", "reschedule", None, window(30, "08:00", "12:00")),
    ("en", "friday after lunch?", "reschedule", None, window(27, "12:00", "18:00")),
    ("en", "can we do monday before lunch", "reschedule", None, window(30, "08:00", "12:00")),
    ("en", "in the morning on monday if possible", "reschedule", None,
     window(30, "08:00", "12:00")),
    ("en", "tuesday, ideally in the afternoon", "reschedule", None, window(1, "12:00", "18:00")),
    ("nl", "maandag liefst in de middag", "reschedule", None, window(30, "12:00", "18:00")),
    ("nl", "vrijdag na de lunch?", "reschedule", None, window(27, "12:00", "18:00")),
    ("nl", "liever 's ochtends, op dinsdag", "reschedule", None, window(1, "08:00", "12:00")),
    # a preference word between the day and its part; "nach dem" run together
    ("de", "am Montag lieber nachmittags", "reschedule", None, window(30, "12:00", "18:00")),
    ("en", "friday, rather in the morning", "reschedule", None, window(27, "08:00", "12:00")),
    ("nl", "zaterdag liever 's middags", "reschedule", None, window(28, "12:00", "18:00")),
    ("de", "geht Freitag nachm Mittag?", "reschedule", None, window(27, "12:00", "18:00")),
    ("de", "Montag vorm Mittagessen", "reschedule", None, window(30, "08:00", "12:00")),
]  # fmt: skip

# Nothing to change is a confirmation; thanks alone is not.
NOTHING_TO_CHANGE = lines(
    "confirm",
    ("en", "no need to change anything"),
    ("en", "No changes needed, thanks"),
    ("en", "all good, leave it as it is"),
    ("de", "passt so, nichts ändern"),
    ("de", "Keine Änderung nötig, danke"),
    ("de", "alles so lassen bitte"),
    ("nl", "hoeft niks te veranderen"),
    ("nl", "laat maar zo staan, prima"),
    ("nl", "geen wijziging nodig"),
)
THANKS_ONLY = lines(
    "other",
    ("en", "thanks for the reminder"),
    ("en", "Thank you for the reminder!"),
    ("de", "Danke für die Erinnerung"),
    ("de", "danke für die info"),
    ("nl", "bedankt voor de herinnering"),
    ("nl", "dank je voor het berichtje"),
)

# Judging a time bad refuses it, as a negation does.
JUDGED_BAD = [
    ("de", "abends ist schlecht, lieber Samstag vormittag?", "reschedule", None,
     window(28, "08:00", "12:00")),
    ("en", "evenings are tricky for me, monday morning?", "reschedule", None,
     window(30, "08:00", "12:00")),
    ("nl", "'s avonds is lastig, dinsdagochtend?", "reschedule", None, window(1, "08:00", "12:00")),
]  # fmt: skip

# The verb first, the negation last: "schaffe ich … nicht", "red het nie".
INVERTED = lines(
    "cancel",
    ("de", "schaffe ich am Donnerstag leider nicht"),
    ("de", "komm ich morgen nich hin"),
    ("nl", "red ik morgen nie"),
    ("nl", "ik haal het morgen nie"),
)

# Questions about the job the appointment is for, and promises to answer later.
ASKS_ABOUT_THE_JOB = lines(
    "other",
    ("de", "Ist mein Fahrrad bis Freitag fertig?"),
    ("en", "is my laptop ready by friday?"),
    ("nl", "is mijn fiets vrijdag klaar?"),
)
PROMISES = lines(
    "other",
    ("de", "ich melde mich heute abend, ob es passt"),
    ("de", "Sag Ihnen Freitag früh Bescheid"),
    ("en", "I'll text you tonight"),
    ("nl", "ik laat het je morgenochtend weten"),
)
ASKED_OF_US = [
    ("de", "Sagen Sie mir Bescheid, ob Freitag um 10 geht?", "reschedule", at(27, "10:00"), None),
]

# Asking how to answer these messages, or how they work, is asking for help.
ASKS_HOW_TO_ANSWER = lines(
    "help",
    ("en", "what am I supposed to reply?"),
    ("en", "how should I respond to this text?"),
    ("de", "was muss ich da antworten?"),
    ("de", "Wie funktioniert das hier?"),
    ("nl", "wat moet ik antwoorden?"),
    ("nl", "hoe werkt dit precies?"),
)

# Questions with a time in them that ask, and want nothing moved: about the booking ("is
# that at 2 or 2:30?"), the business without a question mark, how long the job takes, what
# the customer must do; and "kann sein" with a promise to answer later.
ASKS_WITH_A_TIME = lines(
    "other",
    ("en", "is that at 2 or at 2:30?"),
    ("nl", "is dat morgen om 2 of om half 3?"),
    ("en", "when do you open on saturday"),
    ("nl", "hoe laat gaan jullie vrijdag dicht"),
    ("de", "wie lange dauert das färben? muss um 5 weg"),
    ("nl", "hoe lang duurt een knipbeurt? moet om 4 weg"),
    ("de", "soll ich 5 min eher da sein?"),
    ("en", "should I come 10 minutes early?"),
    ("nl", "moet ik 10 minuten eerder komen?"),
    ("de", "kann sein dass es nicht klappt, meld mich heute abend"),
)

# Letting the business send again.
PERMITS = lines(
    "opt_in",
    ("de", "Sie dürfen mir wieder Nachrichten senden"),
    ("en", "you may text me again"),
    ("nl", "u mag me weer berichtjes sturen"),
)

FAMILIES = {
    "judged_bad": JUDGED_BAD,
    "inverted": INVERTED,
    "asks_about_the_job": ASKS_ABOUT_THE_JOB,
    "promises": PROMISES,
    "asked_of_us": ASKED_OF_US,
    "permits": PERMITS,
    "asks_how_to_answer": ASKS_HOW_TO_ANSWER,
    "asks_with_a_time": ASKS_WITH_A_TIME,
    "unable": UNABLE,
    "keeps": KEEPS,
    "refused_times": REFUSED_TIMES,
    "refused_hours": REFUSED_HOURS,
    "unsure": UNSURE,
    "asks_about": ASKS_ABOUT,
    "asks_about_cancelling": ASKS_ABOUT_CANCELLING,
    "asks_to_cancel": ASKS_TO_CANCEL,
    "not_declined": NOT_DECLINED,
    "opt_outs": OPT_OUTS,
    "opt_ins": OPT_INS,
    "signs_off": SIGNS_OFF,
    "sms_confirms": SMS_CONFIRMS,
    "sms_reschedules": SMS_RESCHEDULES,
    "clocks": CLOCKS,
    "day_and_period": DAY_AND_PERIOD,
    "nothing_to_change": NOTHING_TO_CHANGE,
    "thanks_only": THANKS_ONLY,
}

CASES = [(family, *row) for family, rows in FAMILIES.items() for row in rows]


@pytest.mark.parametrize(
    ("family", "locale", "text", "intent", "start", "span"),
    CASES,
    ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in CASES],
)
def test_each_family_is_read_as_its_customers_mean_it(family, locale, text, intent, start, span):
    assert read(text, locale) == (intent, start, span)


def test_no_question_about_cancelling_is_read_as_a_cancellation():
    for locale, text, *_ in ASKS_ABOUT_CANCELLING + UNSURE:
        assert read(text, locale)[0] != "cancel", text


@pytest.mark.parametrize("text", ["?", "!?", "🙂?", "...", ", ?"])
def test_a_question_without_words_is_other(text):
    assert read(text, "en") == ("other", None, None)

"""The date reader inside `conversations.interpret`: tables of text → start or window.

Every line is read with the corpus facts: now Wednesday 2026-11-25 10:00 in
Europe/Berlin, the appointment Thursday 2026-11-26 14:00. Days 20–30 below
are in November 2026, days 1–19 in December. The sentences are our own,
written to the conventions of tests/conversations/corpus/README.md, not
copied from the corpus.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations import Intent, interpret

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
APPOINTMENT = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)


def day(number: int) -> datetime:
    return datetime(2026, 11 if number >= 20 else 12, number, tzinfo=BERLIN)


def at(number: int, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return day(number) + timedelta(hours=hours, minutes=minutes)


def between(number: int, first: str, last: str) -> tuple[datetime, datetime]:
    return at(number, first), at(number, last)


def morning(number: int) -> tuple[datetime, datetime]:
    return between(number, "08:00", "12:00")


def afternoon(number: int) -> tuple[datetime, datetime]:
    return between(number, "12:00", "18:00")


def evening(number: int) -> tuple[datetime, datetime]:
    return between(number, "18:00", "22:00")


def whole_day(number: int) -> tuple[datetime, datetime]:
    return day(number), day(number) + timedelta(days=1)


NEXT_WEEK = (day(30), day(7))  # Monday 30 November to Monday 7 December
WEEKEND = (day(28), day(30))  # Saturday 00:00 to Monday 00:00


def read(text: str, locale: str, **facts):
    facts = {"now": NOW, "appointment_start": APPOINTMENT, **facts}
    return interpret(text, locale=locale, **facts)


STARTS = [
    # de
    ("de", "Geht es am Freitag um 15 Uhr?", at(27, "15:00")),
    ("de", "Freitag 15 Uhr?", at(27, "15:00")),
    ("de", "Könnten wir den Termin auf Montag um 9 verlegen?", at(30, "09:00")),
    ("de", "Passt Dienstag 14:30?", at(1, "14:30")),
    ("de", "geht auch übermorgen um 11?", at(27, "11:00")),
    ("de", "morgen um 16 uhr?", at(26, "16:00")),
    ("de", "Ginge es eine Stunde früher?", at(26, "13:00")),
    ("de", "Eine halbe Stunde später wäre super", at(26, "14:30")),
    ("de", "Können wir 15 Minuten später anfangen?", at(26, "14:15")),
    ("de", "Lieber um 16 Uhr", at(26, "16:00")),
    ("de", "Um 3 wäre besser", at(26, "15:00")),
    ("de", "Geht halb 4?", at(26, "15:30")),
    ("de", "Am 3.12. um 10:30?", at(3, "10:30")),
    ("de", "Samstag den 5.12. um 11", at(5, "11:00")),
    ("de", "Nächste Woche Donnerstag um 14 Uhr", at(3, "14:00")),
    ("de", "Verschieben auf 17:00 bitte", at(26, "17:00")),
    ("de", "ich schaffe es erst um 17 uhr", at(26, "17:00")),
    ("de", "Termin bitte auf Freitag, 27.11., 9 Uhr", at(27, "09:00")),
    ("de", "Am 1.12 um 9", at(1, "09:00")),
    ("de", "Dienstag den 1. um 10 Uhr", at(1, "10:00")),
    ("de", "Do 3.12. 10 Uhr", at(3, "10:00")),
    ("de", "Freitag um 10 oder 11?", at(27, "10:00")),
    ("de", "ab 17 Uhr ginge es", at(26, "17:00")),
    ("de", "Geht nächsten Montag um 8?", at(30, "08:00")),
    ("de", "kommenden Dienstag 18 Uhr", at(1, "18:00")),
    ("de", "Mo 10 Uhr", at(30, "10:00")),
    ("de", "Fr. 9 Uhr?", at(27, "09:00")),
    ("de", "Freitag um halb 10", at(27, "09:30")),
    ("de", "Viertel vor 5?", at(26, "16:45")),
    ("de", "am freitag gegen 11", at(27, "11:00")),
    ("de", "Montagmorgen 9 Uhr", at(30, "09:00")),
    ("de", "Gleiche Uhrzeit am Freitag?", at(27, "14:00")),
    ("de", "2 Stunden später bitte", at(26, "16:00")),
    ("de", "Geht es auch 1h früher?", at(26, "13:00")),
    ("de", "eineinhalb Stunden später?", at(26, "15:30")),
    ("de", "Nein, lieber Freitag 11 Uhr", at(27, "11:00")),
    ("de", "Ja, aber ginge auch Montag 10 Uhr?", at(30, "10:00")),
    ("de", "Am Freitag um 14.30 Uhr?", at(27, "14:30")),
    ("de", "freitag 14h", at(27, "14:00")),
    ("de", "um 14 uhr 30 am montag", at(30, "14:30")),
    ("de", "Donnerstag lieber um 16 Uhr", at(26, "16:00")),
    ("de", "Anstatt 14 Uhr lieber 16 Uhr?", at(26, "16:00")),
    ("de", "frühestens um 17 Uhr", at(26, "17:00")),
    ("de", "Termin auf den 7. Dezember 15 Uhr verschieben", at(7, "15:00")),
    ("de", "Gehts auch am Samstag so gegen 11", at(28, "11:00")),
    ("de", "montag 9 uhr ginge", at(30, "09:00")),
    ("de", "lieber nächste woche mittwoch um 10", at(2, "10:00")),
    ("de", "Geht es eventuell auch schon um 12?", at(26, "12:00")),
    ("de", "Ist um 13 Uhr noch was frei?", at(26, "13:00")),
    ("de", "Haben Sie Freitag um 16 Uhr noch was frei?", at(27, "16:00")),
    ("de", "Geht der 3. Dezember um 15 Uhr?", at(3, "15:00")),
    ("de", "Danke! Könnten wir aber auf 15:30 gehen?", at(26, "15:30")),
    ("de", "Ich kann erst ab 16 Uhr", at(26, "16:00")),
    ("de", "Können wir 10 Minuten später machen?", at(26, "14:10")),
    ("de", "Geht es einen Tag später?", at(27, "14:00")),
    ("de", "Eine Woche später zur gleichen Zeit?", at(3, "14:00")),
    ("de", "Ja gerne, 10 Uhr am Samstag wäre toll", at(28, "10:00")),
    ("de", "Montag, den 30.11. um 11:15", at(30, "11:15")),
    ("de", "Am 30.11.2026 um 8 Uhr", at(30, "08:00")),
    ("de", "16 Uhr?", at(26, "16:00")),
    ("de", "Halb fünf?", at(26, "16:30")),
    ("de", "Um Viertel nach Zehn?", at(26, "10:15")),
    ("de", "Dienstag um 8 Uhr abends", at(1, "20:00")),
    ("de", "Mittwoch 7 Uhr morgens", at(2, "07:00")),
    ("de", "Termin um eine Stunde verschieben?", at(26, "15:00")),
    ("de", "verschieben um 30 min bitte", at(26, "14:30")),
    ("de", "Könnte ich stattdessen am Mittwoch um 9:30 kommen?", at(2, "09:30")),
    ("de", "Bitte auf Freitag 8 Uhr verlegen", at(27, "08:00")),
    ("de", "Passt es am 7.12. um 17 Uhr?", at(7, "17:00")),
    ("de", "Geht es auch zwei Tage später?", at(28, "14:00")),
    ("de", "ginge auch erst um 18 Uhr?", at(26, "18:00")),
    ("de", "Können wir uns auf 11:30 einigen?", at(26, "11:30")),
    ("de", "Eine Stunde eher?", at(26, "13:00")),
    ("de", "Lieber 30 Minuten früher", at(26, "13:30")),
    ("de", "Geht es um halb drei?", at(26, "14:30")),
    ("de", "Um viertel nach vier?", at(26, "16:15")),
    ("de", "Dreiviertel fünf?", at(26, "16:45")),
    ("de", "So gegen 16 Uhr?", at(26, "16:00")),
    ("de", "Kann ich auf 4 verschieben?", at(26, "16:00")),
    ("de", "Gleiche Zeit nächste Woche?", at(3, "14:00")),
    ("de", "Freitag 16 h?", at(27, "16:00")),
    ("de", "um 16 h", at(26, "16:00")),
    ("de", "FREITAG 10 UHR", at(27, "10:00")),
    ("de", "Freitag - 10 Uhr", at(27, "10:00")),
    ("de", "um 9 am Freitag", at(27, "09:00")),
    ("de", "Donnertag um 4?", at(26, "16:00")),
    ("de", "Eine Stunde nach hinten bitte", at(26, "15:00")),
    # weekday abbreviations before any way of naming a time; "pls"/"plz" ask
    ("de", "Fr halb 10", at(27, "09:30")),
    ("de", "Sa Viertel nach 10?", at(28, "10:15")),
    ("de", "Mi zehn Uhr", at(2, "10:00")),
    ("de", "So. 11 Uhr", at(29, "11:00")),  # "So" only as an abbreviation
    ("de", "am So um 12", at(29, "12:00")),
    ("de", "so gegen 16 Uhr?", at(26, "16:00")),  # "so" is "about" here
    ("de", "Geht es so 10 Uhr?", at(26, "10:00")),
    ("de", "Mo 10 Uhr plz", at(30, "10:00")),
    ("de", "eine Stunde früher pls", at(26, "13:00")),
    # en
    ("en", "Can I move it to Thursday at 4?", at(26, "16:00")),
    ("en", "How about Friday at 11am?", at(27, "11:00")),
    ("en", "Would Monday 10:30 work?", at(30, "10:30")),
    ("en", "tues 2pm?", at(1, "14:00")),
    ("en", "Can we push it back an hour?", at(26, "15:00")),
    ("en", "Could we bring it forward by 30 minutes?", at(26, "13:30")),
    ("en", "I'd rather come at 4pm", at(26, "16:00")),
    ("en", "December 3rd at 10?", at(3, "10:00")),
    ("en", "3rd of December at 2", at(3, "14:00")),
    ("en", "Any chance of tomorrow at 11?", at(26, "11:00")),
    ("en", "at 10 am tomorrow", at(26, "10:00")),
    ("en", "Could we do it half an hour later?", at(26, "14:30")),
    ("en", "two hours earlier?", at(26, "12:00")),
    ("en", "Can we make it 45 minutes later?", at(26, "14:45")),
    ("en", "same time next Tuesday?", at(1, "14:00")),
    ("en", "Not Thursday, Friday 3pm", at(27, "15:00")),
    ("en", "I can't make it, how about Monday at 3?", at(30, "15:00")),
    ("en", "Yes but could we do 3 instead?", at(26, "15:00")),
    ("en", "No, Tuesday at 1pm?", at(1, "13:00")),
    ("en", "Mon 9am", at(30, "09:00")),
    ("en", "wed at 5", at(2, "17:00")),
    ("en", "Thurs 4:30pm", at(26, "16:30")),
    ("en", "Can we reschedule to 9 am?", at(26, "09:00")),
    ("en", "Could I come in at 11 instead?", at(26, "11:00")),
    ("en", "1pm?", at(26, "13:00")),
    ("en", "friday at 3 or monday at 11", at(27, "15:00")),
    ("en", "can we do 3pm", at(26, "15:00")),
    ("en", "next fri 10am", at(27, "10:00")),
    ("en", "how about the 2nd at 4pm", at(2, "16:00")),
    ("en", "half past 3?", at(26, "15:30")),
    ("en", "quarter past 11 on friday?", at(27, "11:15")),
    ("en", "tmrw 5pm", at(26, "17:00")),
    ("en", "could we do thursday 5pm instead", at(26, "17:00")),
    ("en", "Is 10am on the 4th available?", at(4, "10:00")),
    ("en", "Can I come on Dec 2 at 9?", at(2, "09:00")),
    ("en", "Could we do 11:45?", at(26, "11:45")),
    ("en", "wednesday at noon?", at(2, "12:00")),
    ("en", "Saturday 10 or 11?", at(28, "10:00")),
    ("en", "Can we move it to 3:30?", at(26, "15:30")),
    ("en", "would 8pm work?", at(26, "20:00")),
    ("en", "an hour later please", at(26, "15:00")),
    ("en", "Can we postpone by 2 hours?", at(26, "16:00")),
    ("en", "Can I push my appointment to 4?", at(26, "16:00")),
    ("en", "Can we make it 4 instead?", at(26, "16:00")),
    ("en", "How about 5?", at(26, "17:00")),
    ("en", "Thursday at 4 instead?", at(26, "16:00")),
    ("en", "Could I come at 11 on Saturday instead?", at(28, "11:00")),
    ("en", "Can I come an hour earlier?", at(26, "13:00")),
    ("en", "Can we move it up by 30 min?", at(26, "13:30")),
    ("en", "Delay it by 1 hour?", at(26, "15:00")),
    ("en", "same time next week?", at(3, "14:00")),
    ("en", "next thursday at 10?", at(3, "10:00")),
    ("en", "this coming Friday at 10", at(27, "10:00")),
    ("en", "9 am Friday", at(27, "09:00")),
    ("en", "thursay at 11?", at(26, "11:00")),
    ("en", "1/12 at 10am", at(1, "10:00")),
    ("en", "push it back an hour", at(26, "15:00")),
    ("en", "sat half 10", at(28, "10:30")),
    ("en", "sun 11am pls", at(29, "11:00")),
    ("en", "an hour earlier plz", at(26, "13:00")),
    ("en", "30 mins later pls", at(26, "14:30")),
    # nl
    ("nl", "Kan het ook vrijdag om 10 uur?", at(27, "10:00")),
    ("nl", "Liever dinsdag om half 3", at(1, "14:30")),
    ("nl", "Morgenmiddag om 4 uur?", at(26, "16:00")),
    ("nl", "Kan het een uur later?", at(26, "15:00")),
    ("nl", "Een kwartier eerder?", at(26, "13:45")),
    ("nl", "Zaterdag om 11?", at(28, "11:00")),
    ("nl", "Donderdag 3 december om 9 uur", at(3, "09:00")),
    ("nl", "Op de 4e om 10 uur", at(4, "10:00")),
    ("nl", "om 15u?", at(26, "15:00")),
    ("nl", "Kan het om 15.30 uur?", at(26, "15:30")),
    ("nl", "Maandag om kwart over 10", at(30, "10:15")),
    ("nl", "Kan het twee uur later?", at(26, "16:00")),
    ("nl", "Liever om drie uur", at(26, "15:00")),
    ("nl", "Dinsdag 1 december 16:00", at(1, "16:00")),
    ("nl", "vrijdag om 3", at(27, "15:00")),
    ("nl", "kan het volgende week dinsdag om 9 uur?", at(1, "09:00")),
    ("nl", "Ja maar liever om 4 uur", at(26, "16:00")),
    ("nl", "Graag een uurtje later", at(26, "15:00")),
    ("nl", "Kan het morgen om half 5?", at(26, "16:30")),
    ("nl", "Kan het donderdag ook om 4 uur?", at(26, "16:00")),
    ("nl", "kan het vrijdagochtend om 9?", at(27, "09:00")),
    ("nl", "Past maandag om 13.00 uur?", at(30, "13:00")),
    ("nl", "Kan ik morgen een uur eerder komen?", at(26, "13:00")),
    ("nl", "half 11?", at(26, "10:30")),
    ("nl", "Kan het om half vier?", at(26, "15:30")),
    ("nl", "dinsdagavond om 7 uur", at(1, "19:00")),
    ("nl", "Kan het een dag later?", at(27, "14:00")),
    ("nl", "Ja, maar kan het ook om 3 uur?", at(26, "15:00")),
    ("nl", "3 uur?", at(26, "15:00")),
    ("nl", "Kan het ook een uurtje later?", at(26, "15:00")),
    ("nl", "Schikt vrijdagmiddag om 3 uur?", at(27, "15:00")),
    ("nl", "Liever de 9e om 10 uur", at(9, "10:00")),
    ("nl", "Kan het op 3 december om kwart voor 4?", at(3, "15:45")),
    ("nl", "Kunnen we het naar 16:00 verplaatsen?", at(26, "16:00")),
    ("nl", "Is zaterdag rond 11 uur mogelijk?", at(28, "11:00")),
    ("nl", "Kan het een week later?", at(3, "14:00")),
    ("nl", "Om 9 uur 's ochtends", at(26, "09:00")),
    ("nl", "Morgen om 10 uur 's avonds?", at(26, "22:00")),
    ("nl", "vrijdagg om 10", at(27, "10:00")),
    ("nl", "za half 11?", at(28, "10:30")),
    ("nl", "zo 11u?", at(29, "11:00")),
    ("nl", "Zo. 12 uur", at(29, "12:00")),
    ("nl", "Zo om 10 uur?", at(29, "10:00")),  # "zo" opening the message
    ("nl", "wo kwart over 3", at(2, "15:15")),
    ("nl", "ma kwart voor 9?", at(30, "08:45")),
    ("nl", "di om 10 uur a.u.b.", at(1, "10:00")),
    ("nl", "een uur later aub", at(26, "15:00")),
    ("nl", "half uur eerder a.u.b.", at(26, "13:30")),
    # Number words for the hour and its minutes, dialect forms included.
    ("en", "Could we do Monday at two fifteen?", at(30, "14:15")),
    ("en", "Tuesday at eleven forty-five am please", at(1, "11:45")),
    ("en", "friday at nine twenty five?", at(27, "09:25")),
    ("en", "Saturday, quarter to eleven?", at(28, "10:45")),
    ("en", "How about half past three on Monday?", at(30, "15:30")),
    ("de", "Geht Montag um vier Uhr dreißig?", at(30, "16:30")),
    ("de", "Übermorgn um zehne?", at(27, "10:00")),
    ("de", "Samstog um elfe, wenns geht", at(28, "11:00")),
    ("de", "Dienstag viertel zehn?", at(1, "09:15")),  # southern "viertel zehn" = 9:15
    ("de", "Chönd mir am Zischtig am föifi cho?", at(1, "17:00")),
    ("de", "Mäntig am nüni?", at(30, "09:00")),
    ("de", "Kann ich morgen a halbe Stund später kommen?", at(26, "14:30")),
    ("de", "Geht's eine Stund früher?", at(26, "13:00")),
    ("nl", "Kan het maandag om vier uur dertig?", at(30, "16:30")),
    # "statt X erst/lieber Y": the old time ends where its words end.
    ("de", "Können wir statt Freitag erst am 8.12. um 10 Uhr?", at(8, "10:00")),
    ("de", "Statt morgen um 14 Uhr lieber Montag um 9?", at(30, "09:00")),
    ("de", "Kann ich es statt übermorgen erst am Montag um 11 vorbeibringen?", at(30, "11:00")),
    ("en", "Instead of tomorrow, could I only bring it on Dec 9 at 10am?", at(9, "10:00")),
    ("nl", "Kan ik in plaats van morgen pas op 3 december om 10 uur komen?", at(3, "10:00")),
    # "it's late" said of the hour asked for is no running late.
    ("en", "Is Monday 6pm possible? I know that's late", at(30, "18:00")),
    ("en", "Could you do Tuesday at 8pm? I realise it is late", at(1, "20:00")),
]

WINDOWS = [
    # de
    ("de", "Ich hätte lieber Mittwoch Vormittag", morning(2)),
    ("de", "Mittwochabend wäre gut", evening(2)),
    ("de", "Morgen früh?", morning(26)),
    ("de", "Heute Nachmittag noch was frei?", afternoon(25)),
    ("de", "Am 10. Dezember vormittags?", morning(10)),
    ("de", "Irgendwann nächste Woche am Nachmittag", NEXT_WEEK),
    ("de", "Am Wochenende?", WEEKEND),
    ("de", "Ich kann morgen nicht, geht Freitag Vormittag?", morning(27)),
    ("de", "Statt Donnerstag lieber Montag", whole_day(30)),
    ("de", "Bitte auf nächste Woche verschieben", NEXT_WEEK),
    ("de", "Kann ich den Termin auf den 2.12. legen?", whole_day(2)),
    ("de", "Freitag oder Samstag?", whole_day(27)),
    ("de", "zwischen 10 und 12 am Freitag", between(27, "10:00", "12:00")),
    ("de", "übernächsten Freitag?", whole_day(4)),
    ("de", "Samstagvormittag", morning(28)),
    ("de", "Sonntagabend?", evening(29)),
    ("de", "heute abend?", evening(25)),
    ("de", "morgen Abend", evening(26)),
    ("de", "Kann nicht, geht Dienstag?", whole_day(1)),
    ("de", "Ich kann erst nach 16 Uhr", between(26, "16:00", "24:00")),
    ("de", "kann ich auch freitg kommen", whole_day(27)),
    ("de", "hätte gern einen termin am dienstag nachmittag", afternoon(1)),
    ("de", "Können wir den Termin auf nächsten Mittwoch legen", whole_day(2)),
    ("de", "Ich würde gerne auf Freitag umbuchen", whole_day(27)),
    ("de", "Ich muss leider verschieben, ginge der 9.12.?", whole_day(9)),
    ("de", "am 12.12.26 vormittags", morning(12)),
    ("de", "Lieber vormittags", morning(26)),
    ("de", "abends?", evening(26)),
    ("de", "Wäre auch Dienstag Nachmittag möglich?", afternoon(1)),
    ("de", "Ich muss den Termin leider verschieben. Wie wäre es mit Montag?", whole_day(30)),
    ("de", "Am besten Samstagmorgen", morning(28)),
    ("de", "Ginge es nächste Woche Montag vormittags?", morning(30)),
    ("de", "Kann ich auf den 1. Dezember umbuchen?", whole_day(1)),
    ("de", "Donnerstag in einer Woche?", whole_day(3)),
    ("de", "Können wir den Termin auf nächsten Donnerstag verschieben?", whole_day(3)),
    ("de", "Freitag 14-16 Uhr?", between(27, "14:00", "16:00")),
    ("de", "Samstag in der Früh", morning(28)),
    ("de", "von 10 bis 12 am Montag", between(30, "10:00", "12:00")),
    ("de", "Freitag in 2 Wochen", whole_day(11)),
    # en
    ("en", "Wednesday afternoon?", afternoon(2)),
    ("en", "next week?", NEXT_WEEK),
    ("en", "Sometime next week please", NEXT_WEEK),
    ("en", "Is the 3rd possible?", whole_day(3)),
    ("en", "Can we do the day after tomorrow?", whole_day(27)),
    ("en", "Friday evening?", evening(27)),
    ("en", "this afternoon?", afternoon(25)),
    ("en", "tonight?", evening(25)),
    ("en", "The weekend?", WEEKEND),
    ("en", "Saturday or Sunday?", whole_day(28)),
    ("en", "Monday instead of Thursday?", whole_day(30)),
    ("en", "I can't make Thursday, can we do Monday?", whole_day(30)),
    ("en", "Friday works better for me", whole_day(27)),
    ("en", "Dec 12?", whole_day(12)),
    ("en", "anytime after 5 tomorrow", between(26, "17:00", "24:00")),
    ("en", "before noon on Friday", between(27, "00:00", "12:00")),
    ("en", "any slots on saturday morning?", morning(28)),
    ("en", "I need to move my appt to next monday", whole_day(30)),
    ("en", "i cant do thursday. friday?", whole_day(27)),
    ("en", "Could you do the 1st of December?", whole_day(1)),
    ("en", "fri afternoon?", afternoon(27)),
    ("en", "Monday between 2 and 4?", between(30, "14:00", "16:00")),
    ("en", "Tomorrow evening?", evening(26)),
    ("en", "No, I need a different day. Tuesday?", whole_day(1)),
    ("en", "Is there anything on Friday?", whole_day(27)),
    ("en", "Could we do next Wednesday instead?", whole_day(2)),
    ("en", "Would it be possible to come in on Friday morning?", morning(27)),
    ("en", "Is there any availability on the 3rd?", whole_day(3)),
    ("en", "What about the following Monday?", whole_day(30)),
    ("en", "Anytime Friday is fine", whole_day(27)),
    ("en", "I'm free Monday afternoon", afternoon(30)),
    ("en", "Can we do it on the 30th?", whole_day(30)),
    ("en", "Morning, can we move it to Friday?", whole_day(27)),
    # nl
    ("nl", "Kunnen we het verzetten naar maandagmiddag?", afternoon(30)),
    ("nl", "Woensdagochtend?", morning(2)),
    ("nl", "Graag volgende week", NEXT_WEEK),
    ("nl", "Kan ik overmorgen komen?", whole_day(27)),
    ("nl", "Kan het 's avonds?", evening(26)),
    ("nl", "Vanmiddag nog plek?", afternoon(25)),
    ("nl", "Het weekend?", WEEKEND),
    ("nl", "Niet donderdag maar vrijdag", whole_day(27)),
    ("nl", "Ik kan donderdag niet, kan het vrijdag?", whole_day(27)),
    ("nl", "Kan het op 2 december?", whole_day(2)),
    ("nl", "Nee, zaterdagmiddag?", afternoon(28)),
    ("nl", "Ik kan niet komen, kan het maandag?", whole_day(30)),
    ("nl", "Zou het op woensdag 2 december kunnen?", whole_day(2)),
    ("nl", "Ik wil graag naar volgende week dinsdag", whole_day(1)),
    ("nl", "zaterdag tussen 10 en 12?", between(28, "10:00", "12:00")),
    ("nl", "Liever in het weekend", WEEKEND),
    ("nl", "Kan het over een week?", whole_day(2)),
    ("nl", "Nee, liever 4 december", whole_day(4)),
    ("nl", "Kan het op vrijdag de 27e?", whole_day(27)),
    ("nl", "Kan ik volgende week woensdag komen?", whole_day(2)),
    ("nl", "Ik wil graag verzetten naar donderdag 10 december", whole_day(10)),
    ("nl", "Na 17 uur?", between(26, "17:00", "24:00")),
    ("nl", "Kan het 's ochtends?", morning(26)),
    ("nl", "Aanstaande vrijdag?", whole_day(27)),
    ("nl", "ma ochtend?", morning(30)),
    ("nl", "op zo?", whole_day(29)),
    ("nl", "liever vr?", whole_day(27)),
    ("de", "So 29.11.?", whole_day(29)),
    ("de", "lieber Di?", whole_day(1)),
    ("de", "Kann ich auf Mo verschieben?", whole_day(30)),
]

NO_TIME = [
    # de
    ("de", "Geht es am 31.11.?"),
    ("de", "Um 25 Uhr?"),
    ("de", "Geht es später?"),
    ("de", "Lieber etwas früher"),
    ("de", "Geht es in einer Stunde?"),
    ("de", "Kann ich den Termin am Donnerstag verschieben?"),
    # en
    ("en", "Can I come a bit earlier?"),
    ("en", "Can we do later in the day?"),
    ("en", "in an hour?"),
    # nl
    ("nl", "Kan het wat vroeger?"),
    ("nl", "Kan het eerder op de dag?"),
    ("de", "Etwas früher wär super"),  # "wär" asks like "wäre"
    ("en", "a little later would be great"),
    ("nl", "iets later zou fijn zijn"),
]

OTHERS = [
    # de
    ("de", "Ich verspäte mich um 10 Minuten", Intent.OTHER),
    ("de", "Bin 5 min später da", Intent.OTHER),
    ("de", "Ich komme etwas später", Intent.OTHER),
    ("de", "Wir sehen uns Donnerstag!", Intent.CONFIRM),
    ("de", "Ja, Donnerstag 14 Uhr passt", Intent.CONFIRM),
    ("de", "Ja bis morgen um 14 Uhr", Intent.CONFIRM),
    ("de", "Kann leider nicht am Donnerstag", Intent.CANCEL),
    ("de", "Was kostet das am Samstag?", Intent.OTHER),
    ("de", "Haben Sie am Samstag geöffnet?", Intent.OTHER),
    ("de", "Bitte absagen, ich melde mich nächste Woche", Intent.CANCEL),
    ("de", "Bin krank, bitte absagen", Intent.CANCEL),
    ("de", "Morgen klappt leider nicht", Intent.CANCEL),  # declines without "absagen"
    ("de", "Ich komme morgen", Intent.CONFIRM),
    ("de", "Super danke bis morgen", Intent.CONFIRM),
    ("de", "Ich habe 2 Fragen zum Termin", Intent.OTHER),
    ("de", "Ich bin in 10 Minuten da", Intent.OTHER),
    ("de", "Komme 15 min später, sorry", Intent.OTHER),
    ("de", "Danke für die Erinnerung!", Intent.OTHER),
    ("de", "Wie lange dauert der Termin? 1 Stunde?", Intent.OTHER),
    ("de", "ja", Intent.CONFIRM),
    ("de", "Ich bringe meine 2 Kinder mit", Intent.OTHER),
    ("de", "Kann ich mit EC-Karte zahlen?", Intent.OTHER),
    ("de", "Wo kann ich parken?", Intent.OTHER),
    ("de", "Hallo, ich bin Frau Müller, Tel 0171 2345678", Intent.OTHER),
    ("de", "Mein Sohn ist 5 Jahre alt", Intent.OTHER),
    ("de", "Danke, schönes Wochenende!", Intent.OTHER),
    ("de", "Nummer 2 bitte", Intent.OTHER),
    ("de", "Bis Donnerstag 14 Uhr!", Intent.CONFIRM),
    ("de", "Ok bis dann", Intent.CONFIRM),
    ("de", "Ja passt, bis morgen", Intent.CONFIRM),
    ("de", "Termin am Donnerstag passt", Intent.CONFIRM),
    ("de", "Okay, Donnerstag um 14 Uhr, ich komme", Intent.CONFIRM),
    ("de", "Ich kann am Donnerstag leider doch nicht", Intent.CANCEL),
    ("de", "Bitte den Termin am Donnerstag stornieren", Intent.CANCEL),
    ("de", "Nein", Intent.CANCEL),
    ("de", "Ich war letzten Freitag bei Ihnen", Intent.OTHER),
    ("de", "Gestern hat niemand abgenommen", Intent.OTHER),
    ("de", "Ja, bis Donnerstag um 14 Uhr", Intent.CONFIRM),
    ("de", "Passt, bis morgen", Intent.CONFIRM),
    ("de", "Ok, bis Donnerstag dann", Intent.CONFIRM),
    ("de", "Jep, Donnerstag passt", Intent.CONFIRM),
    ("de", "Ich kann am Donnerstag nicht, bitte absagen", Intent.CANCEL),
    ("de", "Bitte den Termin morgen absagen", Intent.CANCEL),
    ("de", "Ich bin 10 min zu spät", Intent.OTHER),
    ("de", "Wie viel kostet eine Färbung am Donnerstag?", Intent.OTHER),
    ("de", "Ist Donnerstag 14 Uhr richtig?", Intent.OTHER),
    ("de", "Morgen 14 Uhr passt", Intent.CONFIRM),
    ("de", "Ja, komme morgen um 14 Uhr", Intent.CONFIRM),
    ("de", "Sorry, 15 min später", Intent.OTHER),
    ("de", "Ja, bis 14 Uhr!", Intent.CONFIRM),
    # en
    ("en", "See you Thursday!", Intent.CONFIRM),
    ("en", "See you tomorrow at 2", Intent.CONFIRM),
    ("en", "I'll be 10 minutes late", Intent.OTHER),
    ("en", "Running 15 min behind", Intent.OTHER),
    ("en", "How much is a cut on Saturday?", Intent.OTHER),
    ("en", "Do you take cash on Saturday?", Intent.OTHER),
    ("en", "Sorry I'm stuck in traffic, be there in 10", Intent.OTHER),
    ("en", "Thanks, see you on Thursday at 2", Intent.CONFIRM),
    ("en", "I'll be there at 2", Intent.CONFIRM),
    ("en", "Cancel please", Intent.CANCEL),
    ("en", "cancel my appt on thursday", Intent.CANCEL),
    ("en", "What's the address?", Intent.OTHER),
    ("en", "I have 3 questions", Intent.OTHER),
    ("en", "Is it ok if I bring my 2 kids?", Intent.OTHER),
    ("en", "Have a nice weekend", Intent.OTHER),
    ("en", "ok see you then", Intent.CONFIRM),
    ("en", "See you later", Intent.CONFIRM),
    ("en", "Yes, Thursday at 2 is fine", Intent.CONFIRM),
    ("en", "I was there last Monday", Intent.OTHER),
    ("en", "Can I pay by card on Thursday?", Intent.OTHER),
    ("en", "Room 12?", Intent.OTHER),
    ("en", "Yes, see you Thursday", Intent.CONFIRM),
    ("en", "Confirmed for tomorrow at 2", Intent.CONFIRM),
    ("en", "See you on the 26th", Intent.CONFIRM),
    ("en", "See you at 2pm tomorrow", Intent.CONFIRM),
    ("en", "Please cancel Thursday", Intent.CANCEL),
    ("en", "Can't make it tomorrow, please cancel", Intent.CANCEL),
    ("en", "Running 5 minutes late", Intent.OTHER),
    ("en", "I'll be 10 mins late tomorrow", Intent.OTHER),
    ("en", "10 mins later sorry", Intent.OTHER),
    ("en", "Morning! Yes, I'll be there", Intent.CONFIRM),
    # nl
    ("nl", "Tot donderdag!", Intent.CONFIRM),
    ("nl", "Ik ben 10 minuten te laat", Intent.OTHER),
    ("nl", "Ik kom iets later", Intent.OTHER),
    ("nl", "Wat kost een knipbeurt op zaterdag?", Intent.OTHER),
    ("nl", "tot morgen om 14 uur", Intent.CONFIRM),
    ("nl", "Ik kom 5 minuten later", Intent.OTHER),
    ("nl", "Ik sta in de file, ben er over 10 minuten", Intent.OTHER),
    ("nl", "Zie je morgen!", Intent.CONFIRM),
    ("nl", "Prima, tot morgen om 2 uur", Intent.CONFIRM),
    ("nl", "Om hoe laat is mijn afspraak?", Intent.OTHER),
    ("nl", "Ik heb 2 vragen", Intent.OTHER),
    ("nl", "Fijn weekend!", Intent.OTHER),
    ("nl", "Tot straks", Intent.CONFIRM),
    ("nl", "Ja, donderdag om 14.00 uur is goed", Intent.CONFIRM),
    ("nl", "Kan ik pinnen?", Intent.OTHER),
    ("nl", "Gisteren was ik er niet", Intent.OTHER),
    ("nl", "Ja, ik kom donderdag", Intent.CONFIRM),
    ("nl", "Tot morgen!", Intent.CONFIRM),
    ("nl", "Ik kan morgen niet, graag annuleren", Intent.CANCEL),
    ("nl", "Ik ben 5 minuutjes later", Intent.OTHER),
    ("nl", "Ik ben er donderdag om 2 uur", Intent.CONFIRM),
    ("nl", "Wat kost knippen op donderdag?", Intent.OTHER),
    ("nl", "Sorry, 10 minuten later", Intent.OTHER),
    ("nl", "tot zo", Intent.CONFIRM),  # "zo" is "soon" here, no Sunday
    ("nl", "Ik ben er zo", Intent.CONFIRM),
    # Minute words that count a length stay lengths; running late stays running late.
    ("en", "I'll be there at four, ten minutes late maybe", Intent.OTHER),
    ("en", "Sorry I'm running late, be there at 3", Intent.OTHER),
    ("de", "Morgn um zwoa geht ned", Intent.CANCEL),  # the booked time refused, none asked
]


@pytest.mark.parametrize(("locale", "text", "start"), STARTS)
def test_an_exact_new_time_is_a_reschedule_with_that_start(locale, text, start):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, start, None)


@pytest.mark.parametrize(("locale", "text", "window"), WINDOWS)
def test_a_named_period_is_a_reschedule_with_that_window(locale, text, window):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, None, window)


@pytest.mark.parametrize(("locale", "text"), NO_TIME)
def test_a_change_without_a_readable_time_has_neither_start_nor_window(locale, text):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, None, None)


@pytest.mark.parametrize(("locale", "text", "intent"), OTHERS)
def test_times_that_ask_for_no_change_keep_the_keyword_meaning(locale, text, intent):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (intent, None, None)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Am 2.1. um 10?", datetime(2027, 1, 2, 10, 0, tzinfo=BERLIN)),  # earlier than today
        ("Geht der 20.11.?", None),  # a past date rolls to next year: a window, not a start
        ("12 Uhr?", at(26, "12:00")),  # noon, not midnight
        ("Geht 0:30?", datetime(2026, 11, 26, 0, 30, tzinfo=BERLIN)),  # a 24-hour form
        ("um 19 Uhr", at(26, "19:00")),
        ("um 7", at(26, "19:00")),  # a bare 1–7 is the afternoon or evening
        ("um 8", at(26, "08:00")),  # 8–12 as written
        ("um 7 Uhr morgens", at(26, "07:00")),  # unless the morning is named
        ("um 9 abends", at(26, "21:00")),
    ],
)
def test_clock_edge_cases(text, start):
    assert read(text, "de").start == start


@pytest.mark.parametrize(
    ("text", "start"),
    [("12am?", at(26, "00:00")), ("12pm?", at(26, "12:00")), ("7am?", at(26, "07:00"))],
)
def test_am_and_pm_are_taken_as_written(text, start):
    assert read(text, "en").start == start


def test_a_past_date_without_a_year_means_next_year():
    reading = read("Geht der 20.11.?", "de")
    assert reading.window == (
        datetime(2027, 11, 20, tzinfo=BERLIN),
        datetime(2027, 11, 21, tzinfo=BERLIN),
    )


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("de", "Geht der 31.2.?"),
        ("de", "Am 31.11. um 10?"),
        ("de", "Um 25 Uhr?"),
        ("de", "Geht 14:75?"),
        ("en", "Feb 30 at 3pm?"),
        ("en", "Can we do 14:60?"),
        ("nl", "Kan het op 32 december?"),
        ("de", "Am 3.12.2025 um 10?"),  # a year that has passed
    ],
)
def test_impossible_dates_and_times_give_no_start_and_do_not_crash(locale, text):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, None, None)


DST_NOW = datetime(2027, 3, 24, 10, 0, tzinfo=BERLIN)  # Wednesday; clocks go forward on Sunday 28th
DST_APPOINTMENT = datetime(2027, 3, 25, 14, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("text", "start", "window"),
    [
        ("Montag um 10?", datetime(2027, 3, 29, 10, 0, tzinfo=BERLIN), None),
        ("Sonntag?", None, (datetime(2027, 3, 28, tzinfo=BERLIN), datetime(2027, 3, 29, tzinfo=BERLIN))),  # noqa: E501
        ("Nächste Woche?", None, (datetime(2027, 3, 29, tzinfo=BERLIN), datetime(2027, 4, 5, tzinfo=BERLIN))),  # noqa: E501
        ("Eine Stunde später?", datetime(2027, 3, 25, 15, 0, tzinfo=BERLIN), None),
    ],
)  # fmt: skip
def test_times_after_a_dst_switch_carry_that_days_offset(text, start, window):
    reading = read(text, "de", now=DST_NOW, appointment_start=DST_APPOINTMENT)
    assert (reading.start, reading.window) == (start, window)
    bounds = [reading.start] if start else list(window)
    summer = {b.utcoffset() for b in bounds if b.date() >= datetime(2027, 3, 29).date()}
    assert summer <= {timedelta(hours=2)}


def test_the_sunday_of_the_switch_is_23_hours_long():
    reading = read("Sonntag?", "de", now=DST_NOW, appointment_start=DST_APPOINTMENT)
    first, last = reading.window
    assert (first.utcoffset(), last.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))
    assert last.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=23)


def test_autumn_switch_sunday_is_25_hours_long():
    now = datetime(2026, 10, 21, 10, 0, tzinfo=BERLIN)  # clocks go back on Sunday 25 October
    reading = read("Sonntag?", "de", now=now, appointment_start=now + timedelta(days=1))
    first, last = reading.window
    assert last.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=25)


def test_results_are_in_the_zone_of_now_whatever_the_appointments_zone():
    reading = read("eine Stunde später?", "de", appointment_start=APPOINTMENT.astimezone(UTC))
    assert reading.start == at(26, "15:00")
    assert reading.start.tzinfo == BERLIN


def test_relative_moves_need_an_appointment():
    reading = read("Eine Stunde später?", "de", appointment_start=None)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, None, None)


def test_a_bare_time_without_an_appointment_is_the_next_such_time():
    assert read("um 15 Uhr?", "de", appointment_start=None).start == at(25, "15:00")
    assert read("um 9 Uhr?", "de", appointment_start=None).start == at(26, "09:00")


def test_the_appointment_as_booked_is_no_new_time():
    for text, locale in [
        ("Alles gut, bis Donnerstag um 14 Uhr", "de"),
        ("See you tomorrow at 2pm", "en"),
        ("Klopt, morgen om 14.00 uur", "nl"),
    ]:
        reading = read(text, locale)
        assert (reading.intent, reading.start, reading.window) == (Intent.CONFIRM, None, None)


def test_no_wish_is_read_into_a_day_named_in_a_greeting():
    late = datetime(2026, 11, 28, 14, 0, tzinfo=BERLIN)  # tomorrow is not the appointment's day
    reading = read("Guten Morgen, ich möchte verschieben", "de", appointment_start=late)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, None, None)


def test_the_business_language_does_not_limit_the_reading():
    assert read("Friday at 3pm?", "de").start == at(27, "15:00")
    assert read("Freitag um 15 Uhr?", "nl").start == at(27, "15:00")


def test_half_is_read_in_the_customers_language():
    assert read("half 3?", "nl").start == at(26, "14:30")  # Dutch: half past two
    assert read("half 3?", "en").start == at(26, "15:30")  # British: half past three
    assert read("halb 3?", "de").start == at(26, "14:30")


# The grammar, not a list of sentences: every way of asking takes every way of naming a time.
ASKING = {
    "de": ["Können wir auf {} verschieben?", "Geht auch {}?", "Lieber {}", "Nein, aber {}?",
           "Ich kann morgen nicht, geht {}?", "statt Donnerstag lieber {}"],
    "en": ["Can we do {} instead?", "Could you move me to {}?", "Is {} possible?",
           "No, but {} would work", "I can't make it, {} maybe?", "Please move it to {}"],
    "nl": ["Kan het ook {}?", "Kunnen we verzetten naar {}?", "Liever {}", "Nee, kan het {}?",
           "Ik kan donderdag niet, {}?", "Ik wil graag verplaatsen naar {}"],
}  # fmt: skip
NAMING = {
    "de": [("Montag 11 Uhr", at(30, "11:00"), None), ("den 4.12. um 11", at(4, "11:00"), None),
           ("Freitag Nachmittag", None, afternoon(27)), ("übermorgen um 9", at(27, "09:00"), None),
           ("den 3. Dezember", None, whole_day(3)), ("Freitag halb 4", at(27, "15:30"), None),
           ("Samstagabend", None, evening(28)), ("nächste Woche", None, NEXT_WEEK)],
    "en": [("Monday at 2pm", at(30, "14:00"), None), ("Dec 1st at 3pm", at(1, "15:00"), None),
           ("Saturday morning", None, morning(28)), ("the 3rd at 10am", at(3, "10:00"), None),
           ("Friday at noon", at(27, "12:00"), None), ("December 2nd", None, whole_day(2)),
           ("Sat 10am", at(28, "10:00"), None), ("the weekend", None, WEEKEND)],
    "nl": [("maandag om 11 uur", at(30, "11:00"), None), ("vrijdag 16.30", at(27, "16:30"), None),
           ("dinsdagmiddag", None, afternoon(1)), ("4 december om 11 uur", at(4, "11:00"), None),
           ("vrijdag om half 3", at(27, "14:30"), None), ("de 3e om 10 uur", at(3, "10:00"), None),
           ("overmorgen om 9 uur", at(27, "09:00"), None), ("volgende week", None, NEXT_WEEK)],
}  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "text", "start", "window"),
    [
        (locale, asking.format(naming), start, window)
        for locale, ways in ASKING.items()
        for asking in ways
        for naming, start, window in NAMING[locale]
    ],
)
def test_every_way_of_asking_with_every_way_of_naming_a_time(locale, text, start, window):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (Intent.RESCHEDULE, start, window)


# Naming the appointment as booked asks for nothing: the keywords decide.
THE_APPOINTMENT = {
    "de": ["Donnerstag", "morgen", "Donnerstag um 14 Uhr", "morgen 14 Uhr", "14 Uhr", "den 26.11."],
    "en": ["Thursday", "tomorrow", "Thursday at 2pm", "tomorrow at 2", "2pm", "the 26th"],
    "nl": ["donderdag", "morgen", "donderdag om 2 uur", "morgen om 14.00 uur", "26 november"],
}
KEEPING = [
    (Intent.CONFIRM, "de", ["Ja, bis {}", "Ok, {} passt", "Alles klar, {} bin ich da"]),
    (Intent.CONFIRM, "en", ["Yes, see you {}", "Confirmed for {}", "I'll be there {}"]),
    (Intent.CONFIRM, "nl", ["Ja, tot {}", "Prima, {} is goed", "Ik kom {}"]),
    (Intent.CANCEL, "de", ["Ich kann {} leider nicht, bitte absagen", "Bitte {} absagen"]),
    (Intent.CANCEL, "en", ["Please cancel {}", "I can't make it {}, cancel please"]),
    (Intent.CANCEL, "nl", ["Ik kan {} niet, graag annuleren", "Graag {} annuleren"]),
    (Intent.OTHER, "de", ["Ich verspäte mich {} 10 Minuten", "Was kostet das {}?"]),
    (Intent.OTHER, "en", ["I'll be 10 min late {}", "Do you take cards {}?"]),
    (Intent.OTHER, "nl", ["Ik ben {} 10 minuten te laat", "Kan ik {} pinnen?"]),
]


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        (locale, saying.format(appointment), intent)
        for intent, locale, sayings in KEEPING
        for saying in sayings
        for appointment in THE_APPOINTMENT[locale]
    ],
)
def test_naming_the_appointment_as_booked_keeps_the_keyword_meaning(locale, text, intent):
    reading = read(text, locale)
    assert (reading.intent, reading.start, reading.window) == (intent, None, None)

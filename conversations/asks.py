"""Whether a time a customer names asks for a change: `combine` weighs the keyword reading of a
message against the time it names (`conversations.wishes`) and returns a reschedule with its
`start` or `window`, or the keyword reading unchanged when the time is told rather than asked for
(running late, a question about the booking or the business, the appointment named as booked).
"""

from __future__ import annotations

from conversations.classes import QUESTION_WORDS
from conversations.intents import Intent, Interpretation
from conversations.lexicon import PLEASE
from conversations.wishes import Wish

# Words that make a statement a request: "Lieber Dienstag", "bitte später", "graag eerder",
# "zwei Stunden früher pls", "früher wär gut" (read as "wäre", `conversations.text`).
REQUEST_WORDS = PLEASE | frozenset(
    """
    lieber besser moglich geht gehts ginge kann konnen konnten koennen ware waere
    wurde passt rather prefer better possible could can would instead
    graag liever beter mogelijk kan kunnen zou past
    """.split()
)
# A conditional asks: "später wäre gut", "a bit later would be great" are no notices.
CONDITIONAL_WORDS = frozenset("ware waere wurde would wd zou zouden".split())
# Words that put another time before the booked one, even beside "absagen".
PREFERENCE_WORDS = frozenset("lieber besser rather prefer better liever beter".split())
# Told with a move, these say the customer is running late: "bin 5 min später da".
ARRIVING_WORDS = frozenset("bin komme komm da be im ill there arrive ben kom daar".split())
# Subjects the bot cannot answer even when a day is named in them.
OTHER_TOPICS = frozenset(
    """
    kostet kosten preis preise euro bezahlen zahlen karte bar parken parkplatz adresse
    geoffnet offnungszeiten cost costs price prices much pay paying card cards cash parking address
    kost prijs prijzen betalen pinnen contant parkeren adres geopend openingstijden
    dauert dauern duurt
    """.split()
)
# "How long does a full set take?", "wie lange dauert das?", "hoe lang duurt het?": asks
# about the job, whatever time follows it.
HOW_LONG = (("how", "long"), ("wie", "lange"), ("wie", "lang"), ("hoe", "lang"), ("hoelang",))
# The customer asks what they must do: "Muss ich 10 min früher da sein?", "do I need to
# bring anything?", "moet ik eerder komen?"; no wish to move the appointment.
OBLIGED = frozenset(
    {
        ("muss", "ich"),
        ("soll", "ich"),
        ("mussen", "wir"),
        ("do", "i"),
        ("should", "i"),
        ("must", "i"),
        ("moet", "ik"),
        ("moeten", "we"),
    }
)


# Questions about the booking as it stands: "Ist mein Termin um 3?", "what time is my
# appointment?", "Is it tomorrow at 2?", "Was mijn afspraak niet om 3 uur?".
COPULAS = frozenset("ist war is was are were isnt wasnt zijn waren".split())
BOOKING_WORDS = ("termin", "appointment", "appt", "booking", "afspraak")
SUBJECTS = frozenset("it es het das dat that this dit".split())
POSSESSIVES = frozenset("mein meine meinen unser unsere my our mijn onze".split())
# The state of the job the appointment is for: "fertig", "ready", "klaar".
READY = frozenset("fertig repariert abholbereit ready repaired done klaar gerepareerd".split())
# Questions about the business: "Are you open on Saturdays?", "Habt ihr samstags auf?".
BUSINESS_SUBJECTS = frozenset("you ihr sie jullie u du".split())
OPEN_WORDS = frozenset(
    "open opens opening close closes closing closed offen geoffnet geschlossen geopend gesloten "
    "dicht".split()
)
# "Habt ihr Freitag noch was offen?" asks for a free slot: a wish to move.
SLOT_WORDS = frozenset(
    "noch still nog frei free vrij slot slots termin plek plaats platz was iets anything "
    "something etwas".split()
)


def _asks_how_long(words: tuple[str, ...]) -> bool:
    return any(
        tuple(words[k : k + len(pair)]) == pair for pair in HOW_LONG for k in range(len(words))
    )


def asks_about_booking(words: tuple[str, ...]) -> bool:
    """A question whose subject is the booked appointment or the customer's own job ("ist
    mein Handy schon fertig?"), without a wish to change it."""
    said = frozenset(words)
    if not words or said & (REQUEST_WORDS | PREFERENCE_WORDS):
        return False  # "Is it possible at 4?", "Ist 4 Uhr lieber?"
    if said & READY or (words[0] in COPULAS and words[1:2] and words[1] in POSSESSIVES):
        return True  # "is my bike ready on Friday?", "is mijn fiets morgen klaar?"
    for k, word in enumerate(words):
        if word not in COPULAS:
            continue
        if words[k + 1 : k + 2] and words[k + 1] in SUBJECTS:
            return True
        if any(
            w.startswith(BOOKING_WORDS) or w.endswith(BOOKING_WORDS) for w in words[k + 1 : k + 4]
        ):
            return True
    return False


def asks_about_business(opening: tuple[str, ...]) -> bool:
    """ "Are you open on Saturdays?", "what time do you close on Friday?", "Habt ihr samstags
    auf?", "Hoe laat gaan jullie zaterdag open?": the opening clause asks when the business
    is open. "Maandagavond? Jullie zijn toch open tot 21u?" first asks for a time."""
    said = frozenset(opening)
    if not opening or not said & BUSINESS_SUBJECTS or said & SLOT_WORDS:
        return False
    return bool(said & OPEN_WORDS) or opening[-1] in ("auf", "zu")


def combine(
    keyword_reading: Interpretation,
    wish: Wish | None,
    *,
    words: tuple[str, ...],
    is_question: bool,
    cues: frozenset[str],
    opening: tuple[str, ...] = (),
) -> Interpretation:
    """The final reading of a message from its keyword reading and its times.

    `words` are the message's normalised words (`conversations.text`),
    `cues` the names of the keyword cues found in it (negated ones left out), `opening`
    the words of its first clause.
    """
    intent = keyword_reading.intent
    if intent in (Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP) or keyword_reading.keyword:
        return keyword_reading
    # "what time do you close on friday" asks without its question mark.
    asks = is_question or bool(opening[:1] and opening[0] in QUESTION_WORDS)
    if asks and intent in (Intent.OTHER, Intent.CONFIRM) and "reschedule" not in cues:
        if asks_about_booking(words) or asks_about_business(opening):
            return Interpretation(Intent.OTHER)  # "war der Termin nicht um 15 Uhr?"
    if asks and intent != Intent.CANCEL and tuple(words[:2]) in OBLIGED:
        if not frozenset(words) & (PREFERENCE_WORDS | CONDITIONAL_WORDS):
            return Interpretation(Intent.OTHER)  # "Muss ich 10 min früher da sein?"
    if intent in (Intent.OTHER, Intent.CONFIRM) and _asks_how_long(words):
        return Interpretation(Intent.OTHER)  # "How long does a full set take? … by 4"
    if wish is None:
        if intent == Intent.CANCEL and is_question and not cues & {"cancel", "strike"}:
            # "Vormittag kann ich nicht, ginge …?": a question is no cancellation.
            return Interpretation(Intent.OTHER)
        return keyword_reading
    timed = Interpretation(Intent.RESCHEDULE, start=wish.start, window=wish.window)
    if intent == Intent.RESCHEDULE:
        return timed
    said = frozenset(words)
    requested = bool(said & REQUEST_WORDS)
    preferred = bool(said & PREFERENCE_WORDS)
    if "late" in cues or said & OTHER_TOPICS:
        return keyword_reading
    if wish.move and not is_question and not preferred:
        if ("attend" in cues or said & ARRIVING_WORDS) and not said & CONDITIONAL_WORDS:
            return keyword_reading  # "ich komme 10 Minuten später": running late
        if wish.told and not requested:
            return keyword_reading  # "Sorry, 15 min später": told, not asked
    if not wish.exact and not (is_question or requested or len(words) <= 2):
        return keyword_reading  # "ich melde mich später"
    told = cues & {"cancel", "opt_out_or_cancel"}  # "afmelden voor vrijdag" signs off, too
    if intent == Intent.CANCEL and told and not (is_question or preferred):
        return keyword_reading  # "Bitte absagen, ich melde mich nächste Woche"
    return timed

"""The keyword tables: which words and phrases signal which meaning, per language.

Three layers, matched in this order by `conversations.reading`:
- `CARRIER_KEYWORDS`: Twilio's single-word keywords (FACTS.md). A message
  that is exactly one of them has already been acted on by the carrier, so
  it means what the carrier made of it: a bare CANCEL is an opt-out.
- `SHORT_CODES`: the one-letter answers our own texts ask for ("C"), chosen
  because no carrier treats them as keywords.
- `TABLES`: per language, phrases grouped by the `Cue` they give. A phrase is
  words separated by spaces, written as customers spell them (umlauts
  included); a word ending in `*` matches any word it starts ("storn*" →
  "stornieren", "storniere"), and `...` any words in between ("sage ... ab"
  → "sage den Termin ab"). Tables are matched all at once whatever the
  business's language, because customers often answer in another one
  (tourists, expats), and the three languages' words do not collide.

Tables list words and idioms, never whole customer sentences: the corpus
measures them, it does not feed them.
"""

from __future__ import annotations

import enum

from conversations.intents import Intent


class Cue(enum.Enum):
    OPT_OUT = "opt_out"  # "keine SMS mehr": stop messaging me, anywhere in a message
    OPT_OUT_OR_CANCEL = "opt_out_or_cancel"  # "abmelden": opt-out, unless an appointment is named
    STOP = "stop"  # an opt-out only when it is the whole message, give or take fillers
    RESCHEDULE = "reschedule"  # "verschieben", "another day"
    RELATIVE = "relative"  # "später?": a reschedule when asked; running late when told
    LATE = "late"  # running late: for staff, never a confirmation
    CANCEL = "cancel"  # "absagen", "cancel", "annuleren": asks for the cancellation itself
    UNABLE = "unable"  # "kann nicht", "can't make it": a cancel, unless another time is asked
    ATTEND = "attend"  # "ich komme": a confirmation; negated ("komme nicht") a cancel
    CONFIRM = "confirm"  # agreement ("passt", "klopt"); negated it means nothing certain
    NO = "no"  # a cancel only when it is the whole answer ("nein", "nee")
    HELP = "help"  # a help request only when it is the whole message
    NEGATOR = "negator"  # turns the cues of its clause around
    APPOINTMENT = "appointment"  # nouns naming the appointment itself
    FILLER = "filler"  # greetings, thanks and small words that change nothing


CARRIER_KEYWORDS: dict[str, Intent] = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
        Intent.OPT_OUT,
    ),
    "start": Intent.OPT_IN,
    "unstop": Intent.OPT_IN,
    "yes": Intent.CONFIRM,  # Twilio also opts in on YES; the customer means yes
    "help": Intent.HELP,
    "info": Intent.HELP,
}

SHORT_CODES: dict[str, Intent] = {"c": Intent.CONFIRM}

# Days and moments a farewell can name: "bis Donnerstag", "see you tomorrow".
_FAREWELL_DAYS = {
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag morgen übermorgen "
    "dann bald gleich später nachher",
    "en": "monday tuesday wednesday thursday friday saturday sunday tomorrow then soon later",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag morgen overmorgen "
    "dan straks zo later ziens",
}
_FAREWELLS = {"de": ("bis {}",), "en": ("see you {}", "see you on {}"), "nl": ("tot {}",)}


def _farewells(language: str) -> tuple[str, ...]:
    return tuple(
        pattern.format(day)
        for pattern in _FAREWELLS[language]
        for day in _FAREWELL_DAYS[language].split()
    )


TABLES: dict[str, dict[Cue, tuple[str, ...]]] = {
    "de": {
        Cue.OPT_OUT: (
            "stopp", "austragen", "abbestellen", "keine sms mehr", "keine nachrichten mehr",
            "keine werbung", "nicht mehr schreiben", "nicht mehr anschreiben",
            "nicht mehr kontaktieren",
        ),
        Cue.OPT_OUT_OR_CANCEL: ("abmelden",),
        Cue.RESCHEDULE: (
            "verschieb*", "verschob*", "umleg*", "umbuch*", "verleg*", "anderen termin",
            "anderer termin", "andere zeit", "andere uhrzeit", "anderen tag", "anderes datum",
            "termin ändern", "stattdessen",
        ),
        Cue.RELATIVE: ("später", "früher"),
        Cue.LATE: ("verspät*", "zu spät", "im stau", "unterwegs"),
        Cue.CANCEL: (
            "absag*", "sage ... ab", "sagen ... ab", "sag ... ab", "storn*", "fällt aus",
            "entfällt",
        ),
        Cue.UNABLE: (
            "kann nicht", "kann leider nicht", "können nicht", "können leider nicht",
            "kann ... nicht", "können ... nicht",
        ),
        Cue.ATTEND: (
            "ich komme", "komme", "komm", "kommen", "bin da", "bin dabei", "dabei", "schaffe es",
            "schaff es", "da sein",
        ),
        Cue.CONFIRM: (
            "ja", "jawohl", "jo", "jep", "jup", "ok", "okay", "okey", "oki", "passt", "passt gut",
            "alles klar", "geht klar", "klar", "in ordnung", "einverstanden", "bestätig*",
            "gerne", "gern", "gut", "sehr gut", "super", "perfekt", "prima", "wunderbar",
            "natürlich", "selbstverständlich", "sicher", "kein problem", "genau", "stimmt",
            "machen wir", "wir sehen uns", "sehen uns", *_farewells("de"),
        ),
        Cue.NO: ("nein", "nee", "nö", "ne"),
        Cue.HELP: ("hilfe", "info", "informationen"),
        Cue.NEGATOR: ("nicht", "kein", "keine", "keinen", "nie", "niemals"),
        Cue.APPOINTMENT: ("termin*",),
        Cue.FILLER: (
            "bitte", "danke", "danke schön", "dankeschön", "vielen dank", "leider", "sorry",
            "entschuldigung", "hallo", "hi", "hey", "guten tag", "guten morgen", "moin",
            "grüße", "liebe grüße", "viele grüße", "lg", "mfg", "ich", "mir", "mal", "doch",
            "also", "brauche", "der", "die", "das", "den", "ein", "eine", "es",
        ),
    },
    "en": {
        Cue.OPT_OUT: (
            "stop sending", "stop texting", "stop messaging", "stop contacting",
            "stop the texts", "stop these texts", "stop these messages", "no more texts",
            "no more messages", "no more sms", "dont text me", "dont message me",
            "dont contact me", "remove me", "take me off", "opt out", "unsubscribe", "unsub",
        ),
        Cue.STOP: ("stop",),
        Cue.RESCHEDULE: (
            "reschedul*", "postpon*", "rebook*", "move me", "move my", "move it", "move the",
            "move to", "another time", "another day", "another date", "different time",
            "different day", "different date", "other time", "other day", "instead",
            "push back", "push it back", "bring forward", "bring it forward",
            "change the time", "change the date", "change my appointment",
            "change the appointment",
        ),
        Cue.RELATIVE: ("later", "earlier", "sooner"),
        Cue.LATE: (
            "late", "running late", "on my way", "omw", "stuck in traffic", "traffic", "delayed",
        ),
        Cue.CANCEL: ("cancel*", "call off", "call it off"),
        Cue.UNABLE: ("cant make it", "cant come", "cant attend", "wont make it"),
        Cue.ATTEND: (
            "ill be there", "be there", "ill come", "come", "coming", "make it", "ill make it",
            "attend*", "show up",
        ),
        Cue.CONFIRM: (
            "yes", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "k", "confirm*",
            "sounds good", "all good", "perfect", "great", "fine", "works for me",
            "that works", "alright", "all right", "absolutely", "of course", "definitely",
            "no problem", "no worries", "see you", "see ya", "cu", "cya", "will do", "got it",
            "noted",
            *_farewells("en"),
        ),
        Cue.NO: ("no", "nope", "nah"),
        Cue.HELP: ("help", "info", "information"),
        Cue.NEGATOR: (
            "not", "dont", "cant", "cannot", "wont", "never", "doesnt", "isnt", "couldnt",
            "wouldnt", "unable",
        ),
        Cue.APPOINTMENT: ("appointment*", "booking*", "appt"),
        Cue.FILLER: (
            "please", "pls", "plz", "thanks", "thank you", "thx", "ty", "sorry", "hi", "hello",
            "hey", "dear", "i", "im", "me", "need", "unfortunately", "so", "oh", "well", "the", "a",
            "it", "that", "just",
        ),
    },
    "nl": {
        Cue.OPT_OUT: (
            "uitschrijven", "geen sms meer", "geen smsjes meer", "geen berichten meer",
            "stop met sturen", "stop met sms", "niet meer sturen", "niet meer sms",
            "niet meer benaderen",
        ),
        Cue.OPT_OUT_OR_CANCEL: ("afmelden",),
        Cue.RESCHEDULE: (
            "verzet*", "verplaats*", "omboek*", "andere tijd", "ander tijdstip", "andere dag",
            "andere datum", "ander moment", "in plaats van", "afspraak wijzigen",
        ),
        Cue.RELATIVE: ("later", "eerder", "vroeger"),
        Cue.LATE: ("te laat", "vertraag*", "vertraging", "onderweg", "in de file"),
        Cue.CANCEL: ("annul*", "afzeg*", "zeg ... af", "zeggen ... af", "gaat niet door"),
        Cue.UNABLE: (
            "kan niet", "kan helaas niet", "kunnen niet", "kan ... niet", "kunnen ... niet",
        ),
        Cue.ATTEND: ("ik kom", "kom", "komen", "ik ben er", "ben er", "ben erbij", "aanwezig"),
        Cue.CONFIRM: (
            "ja", "jazeker", "jawel", "jep", "ok", "oke", "okay", "prima", "goed", "is goed",
            "komt goed", "in orde", "akkoord", "klopt", "dat klopt", "bevestig*", "zeker",
            "natuurlijk", "top", "super", "perfect", "geen probleem", "lukt", "dat lukt",
            "zie je", "zie je dan", "zie u", "zie u dan",
            *_farewells("nl"),
        ),
        Cue.NO: ("nee", "neen"),
        Cue.HELP: ("hulp", "help", "info", "informatie"),
        Cue.NEGATOR: ("niet", "geen", "nooit"),
        Cue.APPOINTMENT: ("afspraak", "afspraken", "reservering"),
        Cue.FILLER: (
            "aub", "alstublieft", "alsjeblieft", "graag", "bedankt", "dank", "dank je",
            "dank u", "dank je wel", "dank u wel", "wel", "hoor", "helaas", "sorry", "hallo",
            "hoi", "goedemorgen", "goedemiddag", "groetjes", "mvg", "ik", "het", "de", "een",
        ),
    },
}  # fmt: skip

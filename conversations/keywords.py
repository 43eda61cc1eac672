"""The keyword tables: which words and phrases signal which meaning, in three layers that
`conversations.reading` matches in this order: the carrier's single-word keywords
(`CARRIER_KEYWORDS`), the one-letter answers our own texts ask for (`SHORT_CODES`), and per
language the phrases grouped by the `Cue` they give (`TABLES`).
"""

from __future__ import annotations

import enum

from conversations.intents import Intent


class Cue(enum.Enum):
    OPT_OUT = "opt_out"  # "keine SMS mehr": stop messaging me, anywhere in a message
    OPT_OUT_OR_CANCEL = "opt_out_or_cancel"  # "abmelden": opt-out, unless an appointment is named
    OPT_IN = "opt_in"  # "resubscribe": messages welcome again
    STOP = "stop"  # an opt-out when it is the whole message, or said of the messages
    RESCHEDULE = "reschedule"  # "verschieben", "another day"
    RELATIVE = "relative"  # "später?": a reschedule when asked; running late when told
    LATE = "late"  # running late: for staff, never a confirmation
    CANCEL = "cancel"  # "absagen", "cancel", "annuleren": asks for the cancellation itself
    UNABLE = "unable"  # "kann nicht", "can't make it": a cancel, unless another time is asked
    ATTEND = "attend"  # "ich komme": a confirmation; negated ("komme nicht") a cancel
    CONFIRM = "confirm"  # agreement ("passt", "klopt"); negated it means nothing certain
    NO = "no"  # a cancel only when it is the whole answer ("nein", "nee")
    UNSURE = "unsure"  # "vielleicht", "not sure", "weet ik nog niet": no answer yet
    KEEP = "keep"  # "so lassen", "leave it as it is", "zo laten": nothing to change
    HELP = "help"  # a help request only when it is the whole message
    NEGATOR = "negator"  # turns the cues of its clause around
    APPOINTMENT = "appointment"  # nouns naming the appointment itself
    FILLER = "filler"  # greetings, thanks and small words that change nothing
    # Word classes (`conversations.classes`): no meaning alone, only in a construction
    # `conversations.clauses` reads; alone they count as words no table knows.
    MESSAGES = "messages"  # the messages themselves, plural or mass: "SMS", "reminders"
    MESSAGE = "message"  # one message: "Erinnerung", "reminder", "herinnering"
    SEND = "send"  # verbs of messaging: "schicken", "texting", "sturen"
    RECEIVE = "receive"  # "bekommen", "get", "ontvangen"
    RESUME = "resume"  # "start", "einschalten", "aanzetten"
    SUBSCRIBE = "subscribe"  # "anmelden", "sign up", "aanmelden"
    CONTACT = "contact"  # what an opt-out strikes: "Nummer", "list", "bestand"
    CHANGE = "change"  # "ändern", "change", "wijzigen": a reschedule of a time or appointment
    STRIKE = "strike"  # "streichen", "drop", "vervallen": a cancel of the appointment
    ALTERNATIVE = "alternative"  # "einen neuen Termin", "another day": a reschedule


# The word classes, which `conversations.reading` hands to the clause grammar only.
WORD_CLASSES = frozenset(
    {
        Cue.MESSAGES, Cue.MESSAGE, Cue.SEND, Cue.RECEIVE, Cue.RESUME, Cue.SUBSCRIBE,
        Cue.CONTACT, Cue.CHANGE, Cue.STRIKE, Cue.ALTERNATIVE,
    }
)  # fmt: skip


# Twilio's single-word keywords (docs/PLATFORM.md, "Carrier keywords"): a message that is
# exactly one of them has already been acted on by the carrier, so it means what the carrier
# made of it; a bare CANCEL is an opt-out.
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

# The one-letter answers our own texts ask for, chosen because no carrier treats them as
# keywords.
SHORT_CODES: dict[str, Intent] = {"c": Intent.CONFIRM}

# Days and moments a farewell can name: "bis Donnerstag", "see you tomorrow".
_FAREWELL_DAYS = {
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag morgen morgn übermorgen "
    "dann bald gleich später nachher",
    "en": "monday tuesday wednesday thursday friday saturday sunday tomorrow then soon later",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag morgen morgn overmorgen "
    "dan straks zo later ziens",
}
_FAREWELLS = {"de": ("bis {}",), "en": ("see you {}", "see you on {}"), "nl": ("tot {}",)}


def _farewells(language: str) -> tuple[str, ...]:
    return tuple(
        pattern.format(day)
        for pattern in _FAREWELLS[language]
        for day in _FAREWELL_DAYS[language].split()
    )


# "bin morgen da", "sind am Donnerstag pünktlich da": being there named with the day.
_THERE_DAYS = "morgen morgn dann pünktlich donnerstag".split()


def _when_there() -> tuple[str, ...]:
    return tuple(
        f"{verb} {middle}{day} {word}"
        for verb in ("bin", "sind")
        for middle in ("", "am ", "morgen ", "dann ")
        for day in _THERE_DAYS
        for word in ("da", "dabei", "pünktlich da")
        if middle.strip() != day
    )


# Phrases are words as customers spell them (umlauts included): "storn*" matches any word it
# starts, "*termin" any word it ends, "sage ... ab" any words in between. All languages are
# matched at once, whatever the business's language: customers often answer in another one,
# and the three languages' words do not collide. The tables list words and idioms, never whole
# customer sentences (the corpus measures them, it does not feed them); constructions such as
# "keine Erinnerungen mehr schicken" are read by `conversations.clauses`.
TABLES: dict[str, dict[Cue, tuple[str, ...]]] = {
    "de": {
        Cue.OPT_OUT: (
            "stopp", "austragen", "abbestellen", "aus dem verteiler", "lass mich in ruhe",
            "lasst mich in ruhe",
        ),
        Cue.OPT_OUT_OR_CANCEL: (
            "abmelden", "melde mich ab", "melde ... ab", "meldet ... ab", "melden ... ab",
            "meld mich ab", "meld ... ab",
        ),
        Cue.STOP: (
            "stoppen", "stoppt", "stoppe", "aufhören", "hör auf", "hört auf", "hören sie auf",
            "hör ... auf", "hört ... auf", "hören ... auf", "schluss mit",
            # a word inside the verb, the particle not last: "Hört bitte auf mir zu schreiben"
            "hör bitte auf", "hört bitte auf", "hören sie bitte auf", "hört jetzt auf",
            "hör jetzt auf", "hört endlich auf", "hör endlich auf", "hört doch auf",
            "abstellen", "abschalten", "ausschalten", "deaktivieren", "beenden",
        ),
        Cue.RESCHEDULE: (
            "verschieb*", "verschob*", "umleg*", "umbuch*", "verleg*", "vorverleg*", "vorzieh*",
            "umplan*", "umgeplant", "umterminier*", "neu plan*", "neu vereinbar*",
            "neu ausmach*", "neu buch*", "neu terminier*", "schieb*", "stattdessen",
        ),
        Cue.RELATIVE: ("später", "früher"),
        Cue.LATE: ("verspät*", "zu spät", "im stau", "unterwegs"),
        Cue.CANCEL: (
            "absag*", "absog*", "obsog*", "sage ... ab", "sagen ... ab", "sag ... ab", "storn*",
            "fällt aus",
            "fällt ... aus", "entfällt",
        ),
        Cue.UNABLE: (
            "kann nicht", "kann leider nicht", "können nicht", "können leider nicht",
            "kann ... nicht", "können ... nicht", "verhinder*",
            # southern and Swiss: "I ko ned", "i kann morgn nit", "ich cha nöd"
            "ko ned", "ko ... ned", "kann ned", "kann ... ned", "konn ned", "konn ... ned",
            "kann nit", "kann ... nit", "cha nöd", "cha ... nöd",
            # declining without a verb of coming: "muss leider passen", "klappt bei mir nicht"
            "muss passen", "muss leider passen", "muss ... passen", "klappt nicht",
            "klappt leider nicht", "klappt ... nicht", "wird nichts", "wird ... nichts",
            "wird nix", "wird ... nix", "wird leider nix", "wird nischt", "wird ... nischt",
            "nicht da", "nicht dabei",
        ),
        Cue.ATTEND: (
            "ich komme", "komme", "komm", "kommen", "kimm", "kumm", "bin da", "bin dabei", "dabei",
            "schaffe es", "schaff es", "da sein", "wahrnehmen", "schaffen", "schaff", "schaffe",
            "nehme ... wahr", "nehm ... wahr", "nehmen ... wahr",
            # "pünktlich" or the booked day inside, not a delay: "bin morgen da", "bin pünktlich da"
            *_when_there(), "bin pünktlich", "sind pünktlich", "pünktlich da",
        ),
        Cue.CONFIRM: (
            "ja", "jawohl", "jo", "jep", "jup", "evet", "ok", "okay", "okey", "oki", "passt",
            "passt gut",
            "alles klar", "geht klar", "klar", "in ordnung", "einverstanden", "bestätig*",
            "gerne", "gern", "gut", "sehr gut", "super", "perfekt", "prima", "wunderbar",
            "natürlich", "selbstverständlich", "sicher", "kein problem", "genau", "stimmt",
            "machen wir", "wir sehen uns", "sehen uns", *_farewells("de"),
        ),
        Cue.NO: ("nein", "nee", "nö", "ne"),
        Cue.HELP: ("hilfe", "info", "infos", "informationen", "mehr info", "mehr infos"),
        Cue.NEGATOR: (
            "nicht", "nich", "ned", "nit", "nöd", "kein", "keine", "keinen", "nie", "niemals",
            "nichts", "nix", "nisch",
        ),
        Cue.UNSURE: (
            "vielleicht", "eventuell", "evtl", "womöglich", "möglicherweise", "unsicher",
            "weiß nicht", "weiß noch nicht", "weiß ich nicht", "weiß ich noch nicht",
            "nicht sicher", "noch nicht sicher", "keine ahnung", "mal sehen", "mal schauen",
            "schau mal", "schauen wir mal", "mal gucken", "kann sein", "kann sein dass",
        ),
        Cue.KEEP: (
            "so lassen", "so bleiben", "bleibt so", "bleibt wie", "wie es ist", "bleibt alles",
            "wie besprochen", "wie geplant", "wie vereinbart", "wie ausgemacht",
        ),
        Cue.APPOINTMENT: ("termin*", "*termin", "*termine"),
        Cue.FILLER: (
            "bitte", "danke", "danke schön", "dankeschön", "vielen dank", "leider", "sorry",
            "entschuldigung", "hallo", "hi", "hey", "guten tag", "guten morgen", "moin",
            "grüße", "liebe grüße", "viele grüße", "lg", "mfg", "ich", "isch", "mir", "mal", "doch",
            "also", "brauche", "brauchen", "benötige", "benötigt", "nötig", "der", "die", "das",
            "den", "ein", "eine", "es", "bitteschön", "bitte schön",
        ),
    },
    "en": {
        Cue.OPT_OUT: (
            "off your list", "off the list", "opt out", "opt me out", "unsubscribe", "unsub",
            "leave me alone",
        ),
        Cue.OPT_OUT_OR_CANCEL: ("remove me", "take me off", "sign me off", "sign off"),
        Cue.OPT_IN: (
            "opt in", "opt me in", "opt back in", "opt me back in", "resubscribe",
            "re subscribe", "unstop",
        ),
        Cue.STOP: ("stop", "quit", "cease", "turn off", "switch off", "disable"),
        Cue.RESCHEDULE: (
            "reschedul*", "re schedul*", "postpon*", "rebook*", "re book*", "rearrang*",
            "re arrang*", "move me", "move my", "move it", "move the", "move to", "instead",
            "push back", "push it back", "push my", "push the", "push it", "bring forward",
            "bring it forward", "shift it",
            "switch to", "switch it", "swap it",
        ),
        Cue.RELATIVE: ("later", "earlier", "sooner"),
        Cue.LATE: (
            "late", "running late", "on my way", "omw", "stuck in traffic", "traffic", "delayed",
        ),
        Cue.CANCEL: ("cancel*", "call off", "call it off"),
        Cue.UNABLE: (
            "cant make it", "cant come", "cant attend", "wont make it", "cnt make it", "cnt come",
            "count me out", "cant do", "cnt do", "have to skip", "gonna skip", "gotta skip",
            "need to skip", "will skip", "have to miss", "gonna miss", "gotta miss",
            "have to pass", "gotta pass", "will have to pass",
        ),
        Cue.UNSURE: (
            "maybe", "might", "perhaps", "possibly", "not sure", "unsure", "dunno", "dont know",
            "no idea", "we will see", "well see", "may not", "not certain", "idk",
        ),
        Cue.KEEP: (
            "as it is", "as is", "leave it", "keep it", "keep my", "keep the", "as planned",
            "as agreed", "as booked",
        ),
        Cue.ATTEND: (
            "ill be there", "be there", "b there", "ill come", "come", "coming", "make it",
            "ill make it",
            "attend*", "show up", "stop by", "drop by", "drop in", "pop in", "pop by",
            "swing by",
        ),
        Cue.CONFIRM: (
            "yes", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "k", "confirm*",
            "sounds good", "all good", "perfect", "great", "fine", "works for me",
            "that works", "alright", "all right", "absolutely", "of course", "definitely",
            "no problem", "no worries", "see you", "see ya", "cu", "cya", "will do", "got it",
            "noted", "c u", "see u", "c ya", "kk", "gud", "okidoki", "oki doki", "okey dokey",
            *_farewells("en"),
        ),
        Cue.NO: ("no", "nope", "nah"),
        Cue.HELP: ("help", "info", "information", "more info", "more information"),
        Cue.NEGATOR: (
            "not", "dont", "cant", "cnt", "cannot", "wont", "never", "doesnt", "isnt", "couldnt",
            "no need",
            "wouldnt", "unable", "no more", "no longer",
        ),
        Cue.APPOINTMENT: ("appointment*", "booking*", "appt", "schedule"),
        Cue.FILLER: (
            "please", "pls", "plz", "plis", "pliz", "plse", "pleas", "thanks", "thank you",
            "thx", "ty", "sorry", "hi", "hello", "hey", "dear", "i", "im", "me", "need", "needed",
            "unfortunately", "so", "oh", "well", "the", "a", "it", "that", "just", "some",
            # a remark on the hour asked for, not running late: "Friday 7pm? I know it's late"
            "its late", "it is late", "thats late", "that is late", "its a bit late",
            "thats a bit late", "late notice", "late afternoon", "late morning", "late evening",
        ),
    },
    "nl": {
        Cue.OPT_OUT: (
            "uitschrijven", "haal me van", "haal mij van", "haal me uit", "haal mij uit",
            "laat me met rust", "laat mij met rust",
        ),
        Cue.OPT_OUT_OR_CANCEL: (
            "afmelden", "meld me af", "meld mij af", "meld ... af", "meldt ... af", "melden ... af",
        ),
        Cue.STOP: (
            "stopt", "ophouden", "hou op", "houd op", "uitzetten", "uitschakelen", "deactiveren",
        ),
        Cue.RESCHEDULE: (
            "verzet*", "verplaats*", "verschuiv*", "verschuif*", "verschoven", "schuiv*",
            "schuif*", "omboek*", "omplan*", "herplan*", "opnieuw plannen", "opnieuw inplannen",
            "opnieuw boeken", "vervroeg*", "uitstel*", "in plaats van",
        ),
        Cue.RELATIVE: ("later", "eerder", "vroeger"),
        Cue.LATE: ("te laat", "vertraag*", "vertraging", "onderweg", "in de file"),
        Cue.CANCEL: ("annul*", "afzeg*", "zeg ... af", "zeggen ... af", "gaat niet door"),
        Cue.UNABLE: (
            "kan niet", "kan helaas niet", "kunnen niet", "kan ... niet", "kunnen ... niet",
            "verhinderd",
            # "ik red het niet", "lukt me helaas niet", "kan er niet bij zijn"
            "red het niet", "red het helaas niet", "red t niet", "red ... niet", "lukt niet",
            "lukt me niet", "lukt helaas niet", "lukt me helaas niet", "lukt ... niet",
            "gaat niet lukken", "gaat me niet lukken", "niet bij zijn", "er niet bij zijn",
            "haal het niet", "haal ... niet",
        ),
        Cue.UNSURE: (
            "misschien", "wellicht", "weet niet", "weet nog niet", "weet ik niet",
            "weet ik nog niet", "niet zeker", "nog niet zeker", "geen idee", "eens kijken",
            "even kijken",
        ),
        Cue.KEEP: (
            "zo laten", "zo staan", "laat maar zo", "blijft zo", "zoals het is",
            "zoals afgesproken", "zoals gepland",
        ),
        Cue.ATTEND: ("ik kom", "kom", "komen", "ik ben er", "ben er", "ben erbij", "aanwezig"),
        Cue.CONFIRM: (
            "ja", "jazeker", "jawel", "jep", "ok", "oke", "okay", "prima", "goed", "is goed",
            "komt goed", "in orde", "akkoord", "klopt", "dat klopt", "bevestig*", "zeker",
            "natuurlijk", "top", "super", "perfect", "geen probleem", "lukt", "dat lukt",
            "zie je", "zie je dan", "zie u", "zie u dan", "is gud", "okidoki", "okido",
            *_farewells("nl"),
        ),
        Cue.NO: ("nee", "neen"),
        Cue.HELP: ("hulp", "help", "info", "informatie", "meer info", "meer informatie"),
        Cue.NEGATOR: ("niet", "geen", "nooit", "niks", "niets"),
        Cue.APPOINTMENT: (
            "afspraak", "afspraken", "*afspraak", "*afspraken", "reservering", "agenda",
        ),
        Cue.FILLER: (
            "aub", "alstublieft", "alsjeblieft", "astublieft", "asjeblieft", "ajb", "svp",
            "graag", "bedankt", "dank", "dank je", "dank u", "dank je wel", "dank u wel", "wel",
            "hoor", "helaas", "sorry", "hallo", "hoi", "goedemorgen", "goedemiddag", "groetjes",
            "mvg", "ik", "het", "de", "een", "nodig", "heb", "hoef", "hoeft",
        ),
    },
}  # fmt: skip

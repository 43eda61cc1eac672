"""The date and time vocabulary of German, English and Dutch customer replies, grouped by what each
word contributes to a time expression (weekdays, relative days, months, parts of the day, numbers,
the units and directions of a move, and the small words that steer `conversations.dates`), in plain
lower case as customers spell them.
"""

from __future__ import annotations

# Weekdays, Monday = 0. Strong forms count anywhere.
WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("montag", "montags", "monday", "mondays", "maandag", "maandags"), 0),
    **dict.fromkeys(("dienstag", "dienstags", "tuesday", "tuesdays", "dinsdag", "dinsdags",
                     "tue", "tues"), 1),
    **dict.fromkeys(("mittwoch", "mittwochs", "wednesday", "wednesdays", "woensdag",
                     "woensdags", "wed", "weds"), 2),
    **dict.fromkeys(("donnerstag", "donnerstags", "thursday", "thursdays", "donderdag",
                     "donderdags", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("freitag", "freitags", "friday", "fridays", "vrijdag", "vrijdags", "fri"), 4),
    # Swiss and Bavarian forms: "Mäntig", "Zischtig", "Fritig", "Samschtig", "Freidog".
    **dict.fromkeys(("mantig", "montig", "montog"), 0),
    **dict.fromkeys(("zischtig", "ziischtig", "dienstog"), 1),
    **dict.fromkeys(("mittwuch", "mittwoche"), 2),
    **dict.fromkeys(("donschtig", "dunschtig", "donnerstog"), 3),
    **dict.fromkeys(("fritig", "friitig", "freidog"), 4),
    **dict.fromkeys(("samschtig", "samstig", "samstog"), 5),
    **dict.fromkeys(("sunntig", "sunndig", "sunntog"), 6),
    **dict.fromkeys(("samstag", "samstags", "sonnabend", "saturday", "saturdays", "zaterdag",
                     "zaterdags"), 5),
    **dict.fromkeys(("sonntag", "sonntags", "sunday", "sundays", "zondag", "zondags"), 6),
}  # fmt: skip

# Weak weekday abbreviations, per language: also everyday words ("do", "so"), so they count
# only next to a number or a time ("Do 10 Uhr", "Sat 3pm"), and only in their own language
# (English "can we do 3pm" is no Thursday).
WEAK_WEEKDAYS: dict[str, dict[str, int]] = {
    "de": {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5},
    "en": {"mon": 0, "sat": 5, "sun": 6},
    "nl": {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5},
}
# Sunday's abbreviations are everyday words ("so gegen 10", "so 10 Uhr rum", "tot zo"):
# German "So" only as "So.", before a date or after "am"; Dutch "zo" also right before a
# time, or opening the message before "om"/"half" ("zo om 10", not "ik ben er zo om 3").
AMBIGUOUS_WEEKDAYS: dict[str, dict[str, int]] = {"de": {"so": 6}, "nl": {"zo": 6}}

# Days counted from today.
RELATIVE_DAYS: dict[str, int] = {
    **dict.fromkeys(("heute", "heit", "today", "vandaag", "tday", "2day"), 0),
    **dict.fromkeys(("morgen", "morgn", "tomorrow", "tomorow", "tommorow", "tommorrow", "tomorro",
                     "tmrw", "tmr", "tmrow", "tmw", "2morrow", "2moro", "2morow", "tomoz"), 1),
    **dict.fromkeys(("ubermorgen", "ubermorgn", "overmorgen"), 2),
    **dict.fromkeys(("gestern", "yesterday", "gisteren"), -1),
    **dict.fromkeys(("vorgestern", "eergisteren"), -2),
}  # fmt: skip

# One word naming a day and a part of it.
DAY_PERIODS: dict[str, tuple[int, str]] = {
    "tonight": (0, "evening"),
    "tonite": (0, "evening"),
    "vanavond": (0, "evening"),
    "vanmiddag": (0, "afternoon"),
    "vanochtend": (0, "morning"),
    "vanmorgen": (0, "morning"),
    "morgenvroeg": (1, "morning"),
}

MONTHS: dict[str, int] = {
    **dict.fromkeys(("januar", "janner", "january", "januari"), 1),
    **dict.fromkeys(("februar", "february", "februari", "feber"), 2),
    **dict.fromkeys(("marz", "march", "maart", "maerz"), 3),
    **dict.fromkeys(("april",), 4),
    **dict.fromkeys(("juni", "june", "juni"), 6),
    **dict.fromkeys(("juli", "july"), 7),
    **dict.fromkeys(("august", "augustus"), 8),
    **dict.fromkeys(("september",), 9),
    **dict.fromkeys(("oktober", "october"), 10),
    **dict.fromkeys(("november",), 11),
    **dict.fromkeys(("dezember", "december"), 12),
}  # fmt: skip

# Month abbreviations and month names that are everyday words: only next to a day number.
WEAK_MONTHS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "mrz": 3, "mrt": 3, "apr": 4, "mai": 5, "may": 5,
    "mei": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "okt": 10, "oct": 10,
    "nov": 11, "dez": 12, "dec": 12,
}  # fmt: skip

# Parts of the day, as (from hour, to hour) by the corpus conventions.
PERIOD_HOURS: dict[str, tuple[int, int]] = {
    "morning": (8, 12),
    "afternoon": (12, 18),
    "evening": (18, 22),
    "day": (0, 24),
}
PERIODS: dict[str, str] = {
    **dict.fromkeys(("vormittag", "vormittags", "morgens", "morning", "mornings", "ochtend",
                     "ochtends", "voormiddag", "voormiddags"), "morning"),
    **dict.fromkeys(("nachmittag", "nachmittags", "mittag", "mittags", "afternoon",
                     "afternoons", "arvo", "middag", "middags", "namiddag", "namiddags"),
                    "afternoon"),
    **dict.fromkeys(("abend", "abends", "evening", "evenings", "avond", "avonds"), "evening"),
}  # fmt: skip
# After a day these are its morning ("Freitag morgen", "morgen früh", "maandagmorgen").
MORNING_AFTER_DAY = frozenset({"morgen", "fruh", "vroeg"})

NUMBER_WORDS: dict[str, int] = {
    **dict.fromkeys(("ein", "eine", "einer", "einen", "eins", "one", "a", "an", "een",
                     "ne", "n"), 1),
    **dict.fromkeys(("zwei", "two", "twee"), 2),
    **dict.fromkeys(("drei", "three", "drie"), 3),
    **dict.fromkeys(("vier", "four"), 4),
    **dict.fromkeys(("funf", "five", "vijf"), 5),
    **dict.fromkeys(("sechs", "six", "zes"), 6),
    **dict.fromkeys(("sieben", "seven", "zeven"), 7),
    **dict.fromkeys(("acht", "eight"), 8),
    **dict.fromkeys(("neun", "nine", "negen"), 9),
    **dict.fromkeys(("zehn", "ten", "tien"), 10),
    **dict.fromkeys(("elf", "eleven"), 11),
    **dict.fromkeys(("zwolf", "twelve", "twaalf"), 12),
    **dict.fromkeys(("funfzehn", "fifteen", "vijftien"), 15),
    **dict.fromkeys(("zwanzig", "twenty", "twintig"), 20),
    **dict.fromkeys(("dreissig", "thirty", "dertig"), 30),
    **dict.fromkeys(("vierzig", "forty", "veertig"), 40),
    **dict.fromkeys(("funfundvierzig", "vijfenveertig"), 45),
    # Southern German and Swiss forms, said of the hour ("um viere", "am drü", "um zwoa").
    **dict.fromkeys(("oans", "oane"), 1),
    **dict.fromkeys(("zwoa", "zwoi", "zwoie", "zwei", "zweie", "zwai"), 2),
    **dict.fromkeys(("dreie", "dru", "drui", "drei"), 3),
    **dict.fromkeys(("viere", "vieri"), 4),
    **dict.fromkeys(("funfe", "funfi", "foifi", "fuenfe"), 5),
    **dict.fromkeys(("sechse", "sachsi", "sechsi"), 6),
    **dict.fromkeys(("siebene", "sieme", "sibni", "simme"), 7),
    **dict.fromkeys(("achte", "achti"), 8),
    **dict.fromkeys(("neune", "nune", "nuni"), 9),
    **dict.fromkeys(("zehne", "zani", "zehni"), 10),
    **dict.fromkeys(("elfe", "elfi"), 11),
    **dict.fromkeys(("zwolfe", "zwolfi"), 12),
}  # fmt: skip
# Number words for the minutes after an hour: "four thirty", "vier uhr dreissig".
MINUTE_WORDS: dict[str, int] = {
    "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fourty": 40, "fifty": 50, "funfzehn": 15, "zwanzig": 20, "dreissig": 30,
    "vierzig": 40, "funfundvierzig": 45, "vijftien": 15, "twintig": 20, "dertig": 30,
    "veertig": 40, "vijfenveertig": 45,
}  # fmt: skip
# "forty five", "twenty five": a tens word and a unit word.
MINUTE_UNITS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
# Number words that may stand for an hour ("um drei", "at three"). "ein", "one",
# "een" are articles as often: they are an hour only before "Uhr"/"o'clock"/"uur".
HOUR_WORDS = frozenset(w for w, n in NUMBER_WORDS.items() if n <= 12 and len(w) > 2) - {
    "ein", "eine", "einer", "einen", "one", "een",
}  # fmt: skip
ONE_AND_A_HALF = frozenset({"anderthalb", "eineinhalb", "anderhalf", "anderhalve"})

# Units of a relative move, in minutes.
UNITS: dict[str, int] = {
    **dict.fromkeys(("min", "mins", "minute", "minuten", "minutes", "minuut", "minuutjes",
                     "minuutje", "m"), 1),
    **dict.fromkeys(("std", "stunde", "stunden", "stund", "stundn", "stundchen", "stunderl",
                     "h", "hr", "hrs", "hour", "hours", "uur", "uurtje", "uurtjes", "u"), 60),
    **dict.fromkeys(("viertelstunde", "kwartier", "kwartiertje"), 15),
    **dict.fromkeys(("halbstundchen", "halfuur", "halfuurtje"), 30),
    **dict.fromkeys(("tag", "tage", "tagen", "day", "days", "dag", "dagen", "dagje"), 1440),
    **dict.fromkeys(("woche", "wochen", "week", "weeks", "weken", "weekje"), 10080),
}  # fmt: skip
# Units that can only be durations (a bare "h" or "uur" after a number is a clock time).
DURATION_ONLY_UNITS = frozenset(UNITS) - {"h", "u", "uur", "m"}

# Directions of a relative move: +1 later, -1 earlier. Phrases are word tuples.
DIRECTIONS: dict[tuple[str, ...], int] = {
    **dict.fromkeys([("spater",), ("spaeter",), ("later",), ("nach", "hinten"),
                     ("naar", "achteren"), ("push", "back"), ("pushed", "back"),
                     ("move", "back"), ("nach", "hinten", "verschieben")], 1),
    **dict.fromkeys([("fruher",), ("frueher",), ("earlier",), ("sooner",), ("eerder",),
                     ("vroeger",), ("nach", "vorne"), ("nach", "vorn"), ("naar", "voren"),
                     ("bring", "forward"), ("brought", "forward"), ("move", "up"),
                     ("vorziehen",), ("vorverlegen",)], -1),
}  # fmt: skip
# Directions that are adverbs, not verbs of moving: "15 min später" may be a notice.
ADVERB_DIRECTIONS = frozenset(
    "spater spaeter later fruher frueher earlier sooner eerder vroeger eher".split()
)
# After an amount only: "eine Stunde eher" (alone, "eher" is "rather").
AMOUNT_DIRECTIONS = {"eher": -1}
# Words before a number that make it a clock time ("um 10", "at 3", "om 3").
TIME_MARKERS = frozenset(
    "um gegen ca circa so at around about round by om rond omstreeks tegen".split()
)
# Weaker: they make a bare number an hour ("auf 4 verschieben", "make it 4", "do 3", "can it be 3"),
# but not "4.12", which after them stays a date ("move it to 4.12").
WEAK_TIME_MARKERS = frozenset("auf to naar it do say be".split())
# Before a number only, these make it an hour too: "ginge 4?", "lieber 5", "rather 4 please".
PREFERENCE_LEADS = frozenset("geht gehts ginge lieber liever rather".split())
# Before a bare day number: "am 2.", "the 2nd", "op de 2e".
DATE_MARKERS = frozenset("am den dem zum vom the on op de".split())
MERIDIEM = {"am": 0, "pm": 12}
OCLOCK = frozenset({"uhr", "uur", "oclock", "h", "u"})
NOON = frozenset({"noon", "midday", "mittagszeit", "lunchtime"})
# After or before the midday meal: "friday after lunch" is the afternoon, "vor dem Mittag"
# the morning.
LUNCH = frozenset(
    "lunch mittag mittagessen mittagessn mittagesen mittagspause middag middageten lunchpauze "
    "lunchtime".split()
)
# "nach dem" and "vor dem" run together: "Freitag nachm Mittagessn", "vorm Mittag".
LUNCH_BOUNDS = {"nachm": "after", "vorm": "before", "nachem": "after"}
LUNCH_ARTICLES = frozenset("dem der the de het m".split())

# "next"/"this" before a weekday, "week" or "weekend".
NEXT = frozenset(
    "next nachste nachsten nachster nachstes kommende kommenden kommender kommendes coming "
    "following folgende folgenden "
    "volgende volgend komende komend aanstaande".split()
)
THIS = frozenset("this diese diesen dieser dieses deze dit".split())
AFTER_NEXT = frozenset("ubernachste ubernachsten ubernachster ubernachstes".split())
LAST = frozenset("last letzte letzten letzter vorige vorigen afgelopen".split())
WEEK_WORDS = frozenset({"woche", "week"})
WEEKEND_WORDS = frozenset({"wochenende", "weekend", "weekende"})

# Ranges: "ab 15 Uhr", "after 3", "vor 10", "zwischen 14 und 16 Uhr".
RANGE_FROM = frozenset("ab from vanaf".split())
RANGE_AFTER = frozenset("nach after na".split())
RANGE_BEFORE = frozenset("vor before voor".split())
RANGE_BETWEEN = frozenset("zwischen between tussen".split())
RANGE_AND = frozenset("und and en bis to till until tot".split())

# "halb 3" = 2:30 (German, Dutch "half drie"); "viertel nach 3"; "quarter to 4".
HALF = frozenset({"halb", "half"})
QUARTER = frozenset({"viertel", "quarter", "kwart"})
PAST_WORDS = frozenset({"nach", "past", "over", "after"})
TO_WORDS = frozenset({"vor", "to", "voor", "before"})
THREE_QUARTERS = frozenset({"dreiviertel"})

# Same time as the appointment: "same time on Friday", "Freitag zur gleichen Zeit".
SAME_WORDS = frozenset("same gleiche gleichen selbe selben zelfde dezelfde".split())
TIME_NOUNS = frozenset("time zeit uhrzeit tijd tijdstip".split())

# Please, in the spellings customers type ("a.u.b." is read as "aub"): a request, not a notice.
PLEASE = frozenset(
    "bitte bitteschon pls plz plis pliz plse pleas please aub alstublieft alsjeblieft "
    "astublieft asjeblieft ajb svp".split()
)

# Words that scope the reading of a clause.
NEGATORS = frozenset(
    "nicht nich ned nit nod kein keine keinen nie niemals not cant cnt cannot dont doesnt wont "
    "isnt wouldnt couldnt unable niet geen nooit".split()
)
# Judging a time bad refuses it as a negation does: "mornings are bad for me, friday?".
REFUSALS = frozenset(
    "bad schlecht schlecht ungunstig ungut schwierig difficult tricky awkward slecht lastig "
    "ongunstig moeilijk".split()
)
# A promise to answer later names no new time: "ich sag morgen früh Bescheid", "hoor het
# vanavond", "I'll let you know tonight" (not "sag mir Bescheid, ob Freitag geht").
PROMISES: tuple[tuple[str, ...], ...] = (
    ("bescheid",), ("weten",), ("hoor", "het"), ("melde", "mich"), ("meld", "mich"), ("meld", "me"),
    ("meld", "mij"), ("let", "you"), ("text", "you"), ("call", "you"), ("get", "back"),
    ("ruf", "an"), ("rufe", "an"), ("bel", "je"), ("bel", "jullie"), ("bel", "nog"),
)  # fmt: skip
# Before a time that is the old one: "statt Donnerstag", "instead of 2pm", "ipv".
OLD_MARKERS: tuple[tuple[str, ...], ...] = (
    ("statt",), ("anstatt",), ("anstelle",), ("instead", "of"), ("rather", "than"),
    ("in", "plaats", "van"), ("ipv",), ("als",), ("than",),
)  # fmt: skip
ALTERNATIVES = frozenset({"oder", "or", "of", "bzw", "beziehungsweise"})
FAREWELLS: tuple[tuple[str, ...], ...] = (
    ("bis",), ("tot",), ("till",), ("until",), ("see", "you"), ("see", "ya"), ("cu",),
    ("cya",), ("zie", "je"), ("zie", "u"), ("wir", "sehen", "uns"), ("sehen", "uns"),
)  # fmt: skip
# Before a day or part of it, a wish rather than a request: "schönes Wochenende",
# "have a nice evening", "fijne avond", "Guten Morgen".
GREETINGS = frozenset(
    "guten gute gutes schonen schones schone erholsames erholsamen good nice great lovely "
    "happy fijn fijne prettig prettige goede mooie".split()
)

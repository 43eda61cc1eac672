"""Guessing which of our languages (German, English, Dutch) a customer's text is written in, so
that the bot answers in it: `guess_language` counts the text's distinctive words per language and
names one only with enough evidence and a clear lead. Pure and fast.
"""

from __future__ import annotations

import re

from conversations.text import read_text

MIN_SCORE = 2  # "yes" or "danke" alone is too little to go by
MIN_LEAD = 2  # the winner's score must beat the runner-up's by this much

# Weight 2: words that alone say a lot ("nicht", "the", "niet"); weight 1: the rest.
# Words are in table form (`conversations.text.normalise_word`): lower case, no accents.
_WORDS: dict[str, dict[str, int]] = {
    "de": {
        **dict.fromkeys(
            (
                "ich nicht nichts kann konnte konnten konnen mochte moechte wurde wuerde ware "
                "waere bin bist ist sind habe hab hast hat haben hatte hatten und oder aber mit "
                "fur fuer von vom zum zur beim auf uhr heute ubermorgen uebermorgen leider danke "
                "bitte gerne gern termin nachste naechste nachsten woche wochenende sehr schon "
                "vielen dank eine einen einem einer keine kein komme komm kommen kommt geht gehts "
                "klappt schaffe schaff euch uns wir mein meine meinen mich mir dir dich du sie "
                "auch noch doch jetzt dann denn wann warum wieso lieber spater spaeter fruher "
                "frueher nochmal mal etwas absagen stornieren verschieben verlegen abmelden "
                "nachmittag vormittag mittag abends abend morgens montag dienstag mittwoch "
                "donnerstag freitag samstag sonntag sonnabend nein passt gut zeit halb viertel "
                "grusse gruss lg vg mfg servus moin tschuss bis gleich ein der das dem des den "
                "dass wegen krank sicher bestatige bestaetige erinnerung nachricht nachrichten "
                "muss musste kommst konnt ginge gehen schicken mehr die er vielleicht "
                "wochenende bestatigt bestaetigt brauche hilfe selbe uhrzeit irgendwann gibt wer "
                "stehe stau vereinbart falls ihr habt falsche nummer kostet genau lange dauert "
                "stunde stunden besser ned wars besten nachmittags vormittags mittags nach vor "
                "passen scho schau zwei drei funf sechs sieben neun zehn zwolf"
            ).split(),
            1,
        ),
        **dict.fromkeys("ich nicht leider danke bitte uhr und auch".split(), 2),
    },
    "en": {
        **dict.fromkeys(
            (
                "i my you your yours we our us it its this that the a and or but with for "
                "from to at on can could would should will wont cant dont doesnt didnt isnt "
                "im ill ive not no yes yeah yep yup nope please pls plz thanks thank thx cheers "
                "appointment tomorrow tmrw today tonight next week weekend morning afternoon "
                "evening noon oclock pm quarter half past be been is are there here what when "
                "where "
                "why how make it come coming see ya fine good great sure unfortunately "
                "cancel reschedule move earlier rather instead still just only already also too "
                "get got have has time thursday monday tuesday wednesday friday saturday sunday "
                "thurs tues weds hello bye minutes mins same any chance slot sometime possible "
                "parking nearby much appreciated running behind stuck traffic who definitely "
                "works sounds forward back hour if school mate wrong texting push late lol bring "
                "after before lunch one two three four five six seven eight nine ten eleven twelve"
            ).split(),
            1,
        ),
        **dict.fromkeys(
            "the you your my not dont cant wont thanks please tomorrow appointment".split(), 2
        ),
    },
    "nl": {
        **dict.fromkeys(
            (
                "ik niet niets het een kan kun kunnen zou zouden wil wilt graag ben bent zijn is "
                "heb hebt heeft hebben en maar met voor van naar bij op om uur vandaag overmorgen "
                "helaas bedankt dank dankjewel dankje alstublieft alsjeblieft aub afspraak "
                "volgende week weekend erg heel veel geen kom komt komen gaat gaan lukt lukken "
                "jullie jij je jou mij mijn ons onze wij we ook nog toch wel nu dan wanneer "
                "waarom hoe wat waar liever later eerder nog even effe iets afzeggen annuleren "
                "verzetten verplaatsen afmelden middags ochtend middag avond s maandag dinsdag "
                "woensdag donderdag vrijdag zaterdag zondag nee klopt goed tijd half kwart "
                "groetjes groet gr doei hoi tot zo zie dat dit deze die er ziek zeker "
                "herinnering bericht berichten moet moest kon tijd meer helemaal "
                "hoeveel kost hulp nodig mogelijk fiets klaar jawel hoor dochter mee beter ergens "
                "uitkomen ipv namiddag morgenochtend uitschrijven twee drie "
                "vijf zes zeven negen tien twaalf"
            ).split(),
            1,
        ),
        **dict.fromkeys("ik niet het een dit helaas bedankt graag uur afspraak".split(), 2),
    },
}

# Words two of the languages share ("is", "we", "nee", "die", "er", "half", "week",
# "weekend", "am"/"bis", "hoe"...): listed above for convenience, they count for none.
_SHARED = frozenset(
    word
    for word in set(_WORDS["de"]) | set(_WORDS["en"]) | set(_WORDS["nl"])
    if sum(word in table for table in _WORDS.values()) > 1
)
_SCORES: dict[str, tuple[tuple[str, int], ...]] = {}
for _language, _table in _WORDS.items():
    for _word, _weight in _table.items():
        if _word not in _SHARED:
            _SCORES[_word] = (*_SCORES.get(_word, ()), (_language, _weight))


# Weekdays begin compounds with a part of the day ("Freitagvormittag", "dinsdagmiddag",
# "maandagavond"); the day's name tells the language of the whole word.
_DAY_STEMS = {
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
_COMPOUND = re.compile(
    "|".join(f"(?P<{language}>{'|'.join(stems)})" for language, stems in _DAY_STEMS.items())
)


def guess_language(text: str) -> str | None:
    """The language ("de", "en" or "nl") `text` is clearly written in, or None when it is
    too short or unclear to tell ("ok", "ja", "C", "3", "14:00", emoji). Words the languages
    share count for none, so code-mixed German ("Abi ich schaff das nicht, sorry") is German.
    On None the caller keeps the language it had: a wrong guess would answer a customer in a
    language they did not write."""
    scores = {"de": 0, "en": 0, "nl": 0}
    for word in set(read_text(text).words):
        known = _SCORES.get(word)
        if known:
            for language, weight in known:
                scores[language] += weight
        elif len(word) > 8 and (compound := _COMPOUND.match(word)):
            scores[compound.lastgroup] += 1
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= MIN_SCORE and top - second >= MIN_LEAD:
        return best
    return None

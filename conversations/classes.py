"""Word classes: the words of the constructions `conversations.clauses` reads (the messages, verbs
of sending, receiving, resuming and subscribing, what an opt-out strikes, verbs that strike or
change an appointment, "another"/"new" before a time), each with its `Cue`, and the small words the
clause grammar reads as they stand. A class means nothing alone.
"""

from __future__ import annotations

from conversations import lexicon as lx
from conversations.keywords import Cue

# "another"/"new"/"later" × the nouns that name a time, per language.
_ALTERNATIVES = {
    "de": (
        "andere anderen anderer anderes neue neuen neuer neues spätere späteren späterer "
        "frühere früheren früherer",
        "termin zeit uhrzeit tag datum zeitpunkt slot",
    ),
    "en": (
        "another different other new later earlier",
        "time day date slot appointment appt booking timeslot",
    ),
    "nl": (
        "ander andere nieuw nieuwe latere eerdere",
        "tijd tijdstip dag datum afspraak moment tijdslot",
    ),
}


# Compounds that name a replacement: "Ersatztermin", "Ausweichtermin", "vervangende
# afspraak", "replacement appointment": the first part × the nouns for a time.
_REPLACEMENTS = {
    "de": ("ersatz ausweich alternativ nachhol", "termin termine datum tag zeit"),
    "en": ("replacement alternative alternate substitute makeup make up", ""),
    "nl": ("vervangende alternatieve inhaal", "afspraak"),
}


def _alternatives(language: str) -> tuple[str, ...]:
    adjectives, nouns = _ALTERNATIVES[language]
    firsts, compound_nouns = _REPLACEMENTS[language]
    pairs = tuple(f"{a} {n}" for a in (adjectives + " " + firsts).split() for n in nouns.split())
    compounds = tuple(f"{a}{n}" for a in firsts.split() for n in compound_nouns.split())
    return pairs + compounds


# Written like the keyword tables (`*` ends a prefix) and matched with them, longest first;
# `ALTERNATIVE` is built by `_alternatives`, not listed.
CLASS_TABLES: dict[str, dict[Cue, tuple[str, ...]]] = {
    "de": {
        Cue.MESSAGES: (
            "sms", "smsen", "sms nachrichten", "nachrichten", "textnachrichten", "erinnerungen",
            "terminerinnerungen", "erinnerungs sms", "sms erinnerungen", "mitteilungen",
            "benachrichtigungen", "mails", "e mails", "emails", "whatsapps", "texte",
            "werbung", "newsletter",
        ),
        Cue.MESSAGE: (
            "nachricht", "textnachricht", "erinnerung", "terminerinnerung", "mitteilung",
            "benachrichtigung", "mail", "e mail", "whatsapp",
        ),
        Cue.SEND: (
            "schick*", "zuschick*", "senden", "sendet", "sende", "zusenden", "schreib*",
            "anschreib*", "kontaktier*", "erinner*", "benachrichtig*",
            "simsen", "texten", "mailen",
        ),
        Cue.RECEIVE: ("bekomm*", "bekam", "erhalt*", "erhält", "krieg*"),
        Cue.RESUME: (
            "starten", "einschalten", "anschalten", "aktivieren", "reaktivieren", "fortsetzen",
        ),
        Cue.SUBSCRIBE: ("anmelden", "eintragen", "abonnieren", "trag mich", "tragt mich"),
        Cue.CONTACT: (
            "nummer", "telefonnummer", "handynummer", "liste", "verteiler", "daten", "kontakt",
            "system", "datenbank", "kartei",
        ),
        Cue.CHANGE: ("ändern", "abändern", "umändern", "änderung", "anpassen", "umstellen"),
        Cue.STRIKE: (
            "kann weg", "kann raus", "streich*", "gestrichen", "lösch*", "gelöscht", "entfernen",
            "ausfallen", "entfallen", "hat sich erledigt", "hat sich schon erledigt",
        ),
        Cue.ALTERNATIVE: _alternatives("de"),
    },
    "en": {
        Cue.MESSAGES: (
            "texts", "text messages", "messages", "smses", "reminders", "reminder texts",
            "reminder messages", "notifications", "alerts", "emails", "mails", "spam",
        ),
        Cue.MESSAGE: ("reminder", "notification", "alert", "email"),
        Cue.SEND: (
            "send", "sending", "text", "texting", "message", "messaging", "contact",
            "contacting", "contacted", "remind", "reminding", "reminded", "notify", "notifying",
            "notified", "texted", "messaged", "spamming",
        ),
        Cue.RECEIVE: ("get", "getting", "receive", "receiving"),
        Cue.RESUME: (
            "start", "starting", "restart", "resume", "turn on", "turn back on", "switch on",
            "switch back on", "back on", "enable", "reenable", "re enable", "reactivate",
            "re activate",
        ),
        Cue.SUBSCRIBE: (
            "subscribe", "sign up", "sign me up", "sign back up", "sign me back up", "opt",
            "add me", "add me back", "put me back",
        ),
        Cue.CONTACT: (
            "number", "phone number", "list", "mailing list", "details", "data", "system",
            "database",
        ),
        Cue.CHANGE: ("change", "changes", "changing", "modify", "amend", "adjust"),
        Cue.STRIKE: ("drop", "scrap", "delete", "remove", "strike", "erase", "can go", "may go"),
        Cue.ALTERNATIVE: _alternatives("en"),
    },
    "nl": {
        Cue.MESSAGES: (
            "smsjes", "berichten", "berichtjes", "herinneringen", "meldingen", "notificaties",
            "mailtjes", "appjes", "whatsappjes", "reclame", "nieuwsbrief",
        ),
        Cue.MESSAGE: (
            "bericht", "berichtje", "herinnering", "melding", "notificatie", "mailtje", "smsje",
            "appje",
        ),
        Cue.SEND: (
            "stuur", "stuurt", "sturen", "verstuur", "verstuurt", "versturen", "toesturen",
            "appen", "benaderen", "benaderd", "contacteren", "gecontacteerd", "herinner*",
            "smssen",
            "lastigvallen",
        ),
        Cue.RECEIVE: ("krijg", "krijgt", "krijgen", "ontvang", "ontvangt", "ontvangen"),
        Cue.RESUME: ("aanzetten", "inschakelen", "activeren", "heractiveren", "hervatten"),
        Cue.SUBSCRIBE: ("aanmelden", "inschrijven", "abonneren"),
        Cue.CONTACT: ("telefoonnummer", "nummer", "lijst", "bestand", "gegevens", "systeem"),
        Cue.CHANGE: ("wijzig*", "verander*", "aanpassen"),
        Cue.STRIKE: (
            "schrap*", "geschrapt", "verwijder*", "vervall*", "vervalt", "mag weg", "kan weg",
            "mag eruit", "kan eruit",
        ),
        Cue.ALTERNATIVE: _alternatives("nl"),
    },
}  # fmt: skip

# Small words the clause grammar reads as they are, all languages at once (folded).
MORE = frozenset("mehr langer weiter weiteren more anymore longer further meer".split())
AGAIN = frozenset("wieder erneut again back weer opnieuw terug".split())
# A report of what happened, not a request: "ich habe keine SMS bekommen", "die SMS kam nicht
# mehr an", "I can't get texts any more".
REPORT = frozenset(
    "habe hab hatte hatten hast hat habt bekam had havent hadnt didnt did got gotten received "
    "heb hebt kreeg kregen gekregen kam kamen kommt ankommen angekommen came comes arrive "
    "arrives arrived komt kwam kwamen aankomen aangekomen".split()
)
INABILITY = frozenset("kann kan can cant cannot couldnt unable".split())
WHY = frozenset("warum wieso weshalb why waarom hoezo".split())
ME = frozenset("me mir mich uns us mij ons".split())
# "nicht vergessen mich zu erinnern", "keine Erinnerung mehr verpassen": wanting them.
MISSING = frozenset("vergessen vergiss forget vergeten vergeet verpassen miss missen mis".split())
WANT = frozenset(
    "will mochte mochten mocht wollen wunsche gern gerne want wanna wants like wish wil wilt "
    "willen wens graag".split()
)
NEED = frozenset(
    "brauche brauchen braucht brauch benotige benotigen benotigt notig notwendig erforderlich "
    "need needs needed needing necessary required nodig hoef hoeft hoeven noodzakelijk".split()
)
MODALS = frozenset(
    "kann kannst konnen konnt konnten konntet konntest can could kan kunt kunnen kun zou "
    "zouden would wurde wurden wurdest may mag durfte".split()
)
THANKS = frozenset(
    "danke dank bedankt thanks thank thx thnx thanx ty merci dankjewel dankuwel dankje "
    "dankeschon".split()
)
THANKS_START = THANKS | frozenset("vielen tausend herzlichen many hartelijk".split())
FOR = frozenset("fur furs for voor".split())
THAT = frozenset("dass das that dat".split())
THIS = frozenset("das dies that this dat dit it es het".split())
# Praise that confirms alone ("Super!") but not in thanks ("super bedankt").
PRAISE = frozenset(
    "super top great perfect perfekt toll wunderbar klasse cool nice lovely awesome "
    "excellent fantastic fantastisch geweldig mooi".split()
)
# Asking about cancelling rather than cancelling: question words, what it costs and the
# rules ("what is your cancellation policy?", "was kostet es, wenn ich absage?", "hoe laat kan
# ik annuleren?"), also as the end of a compound ("Stornogebühr", "annuleringskosten").
QUESTION_WORDS = frozenset(
    "wie was wann welche welcher welches wo warum wieso weshalb how what whats when which where "
    "why hoe wat wanneer welke waar waarom hoeveel".split()
)
# Answering these messages, and how they work: "how do I reply?", "wie funktioniert das hier?".
ANSWERING = frozenset(
    "antworten antworte antwortet zuruckschreiben zuruckschicken reply respond answer "
    "antwoorden antwoord terugsturen terugschrijven terugsms".split()
)
WORKS = frozenset("funktioniert funktionieren works werkt".split())
HERE = frozenset("hier here this dit".split())
COSTS = (
    "kosten", "kostet", "kostenlos", "kostenfrei", "gratis", "gebuhr", "gebuhren", "strafe",
    "zahlen", "bezahlen", "bedingungen", "regeln", "regelung", "frist", "cost", "costs", "fee",
    "fees", "charge", "charges", "charged", "free", "pay", "policy", "policies", "penalty", "kost",
    "boete", "betalen", "beleid", "voorwaarden", "regels", "termijn", "kosteloos", "kostenloos",
    "vooraf", "advance", "vorher",
)  # fmt: skip
# "Können Sie …?", "could you …?", "kunnen jullie …?": a request to the business.
ADDRESSED = frozenset("sie ihr you u jullie du je".split())
# Everything: "ich will nichts mehr bekommen", "stuur me niks meer".
NOTHING = frozenset("nichts nix niks niets nothing".split())
# Out of a list or a system: "meine Nummer aus dem System", "take my number off".
OUT_OF = frozenset("aus raus off out uit eruit".split())
# Letting the business do something: "ihr dürft mir wieder schreiben", "you can text me".
PERMISSION = frozenset(
    "darf darfst durft durfen can may could konnt konnen kannst kann mag mogen moogt mogen "
    "kunnen kan kunt".split()
)
# Verbs of a time suiting: negated beside a day, "me" or the appointment they decline it
# ("Morgen geht bei mir nicht", "es passt mir doch nicht", "het gaat morgen niet lukken").
SUITS = frozenset("geht gehts passt klappt lukt lukken gaat past works work suits".split())
# The negations that do so; "passt schon, macht nix" declines nothing.
NOT = frozenset("nicht nich nisch ned nit nod niet nie not doesnt dont didnt wont isnt".split())
# Verbs of managing to come: "ik redt het nie", "schaff ich nich".
MANAGE = frozenset("red redt haal haalt schaff schaffe schaffs make".split())
CONDITIONALS = frozenset("wenn falls sofern if indien als mocht ob whether".split())
WHETHER = frozenset({"ob", "whether"})
# "wenn möglich", "if possible", "als het kan": politeness, not a condition.
POSSIBLE = frozenset("moglich possible mogelijk kan geht gehts lukt passt ok okay".split())
NEW = frozenset(
    "neu neue neuen neuer neues new nieuw nieuwe ander andere anderen anderer anderes "
    "another different other".split()
)
# Before "another day" these make it one already known: "the other day", "der neue Termin".
KNOWN = frozenset(
    "der die das den dem des the my your mein meine meinen meinem unser unseren our ihr "
    "ihren de het mijn onze uw jouw this that diesen dieser dieses deze dit dat".split()
)
# Words that may stand around a verb and the appointment it is said of: auxiliaries,
# pronouns, possessives, "to", "for", days and times ("den Termin am Freitag streichen").
GLUE = frozenset(
    """
    ist is wird werden worden wurde be been kann konnen konnt konntet konnten kannst darf
    durfen durft mag mogen moegt mogt may can could
    moet muss mussen sollte should zal sich schon already al lassen lass lasst laten laat kan
    kunnen moeten wordt zijn hebben hebt heeft to zu te for fur voor am on op van von vom at
    um om sie ihr u you your my mein meine meinen meinem unser unseren our mijn onze uw jouw
    wir we wij
    """.split()
)
# Strike verbs said of their subject: "der Termin entfällt", "die Frage hat sich erledigt".
INTRANSITIVE = ("hat", "vervall", "vervalt", "ausfallen", "entfallen")
# Strike verbs that need their object named: "bitte löschen" may mean the number.
# "can go", "mag weg", "kann raus": said only of a thing named beside them.
NEEDS_OBJECT = (
    "losch", "gelosch", "entfern", "delete", "remove", "erase", "verwijder", "can", "may",
    "mag", "kan",
)  # fmt: skip
# Separable verbs of switching: "turn … off", "zet … aan", "schalten Sie … ab".
TURN = frozenset("turn switch zet zetten schalte schaltet schalten stell stellt".split())
TURN_ON = frozenset("on aan ein an".split())
TURN_OFF = frozenset("off uit aus ab".split())
# What a "stop" before a comma may govern: "aufhören, mir … zu schicken", "stop, met die sms".
COMPLEMENT = frozenset("zu to te mit met with".split())
TIME_WORDS = lx.TIME_NOUNS | frozenset("datum date day tag dag slot zeitpunkt".split())
DAYS = (
    frozenset(lx.WEEKDAYS)
    | frozenset(lx.RELATIVE_DAYS)
    | lx.WEEK_WORDS
    | lx.WEEKEND_WORDS
    | frozenset(lx.PERIODS)
)

# In a condition these say nothing ("falls ich verhindert bin, melde ich mich").
CONDITIONAL_DROPS = frozenset(
    {Cue.CANCEL, Cue.UNABLE, Cue.ATTEND, Cue.CONFIRM, Cue.NO, Cue.RESCHEDULE, Cue.RELATIVE}
)
# Cues that give a clause a meaning of its own: a "nicht" beside them is not about needing
# the appointment, nor about the messages.
OWN_MEANINGS = frozenset(
    {
        Cue.CANCEL, Cue.UNABLE, Cue.ATTEND, Cue.CONFIRM, Cue.RESCHEDULE, Cue.RELATIVE,
        Cue.LATE, Cue.MESSAGES, Cue.MESSAGE, Cue.SEND, Cue.CHANGE, Cue.ALTERNATIVE,
        Cue.CONTACT, Cue.STRIKE,
    }
)  # fmt: skip

"""`conversations.language.guess_language`: the language a customer writes in, or None."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conversations.language import guess_language

CORPORA = sorted((Path(__file__).parent / "corpus").glob("*.jsonl"))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # English, as customers of German and Dutch businesses write it
        ("Yes, I'll be there, thanks!", "en"),
        ("Sorry, I can't make it tomorrow", "en"),
        ("can we move it to friday afternoon pls", "en"),
        ("what is your cancellation policy?", "en"),
        ("see ya thurs", "en"),
        ("Please cancel my appointment", "en"),
        ("DONT MOVE IT ITS FINE", "en"),
        ("won't be there", "en"),
        ("might not make it, I'll text you tomorrow", "en"),
        ("are you open on Saturdays?", "en"),
        ("friday after lunch", "en"),
        ("you can text me again", "en"),
        # German
        ("Ja, ich komme gerne", "de"),
        ("Ich bin leider verhindert", "de"),
        ("bitte nicht stornieren, ich komme", "de"),
        ("Koennen wir auf naechste Woche verschieben?", "de"),
        ("Nee, leider nicht", "de"),
        ("war der Termin nicht um 15 Uhr?", "de"),
        ("Freitagvormittag wäre gut", "de"),
        ("ICH BIN LEIDER VERHINDERT", "de"),
        ("vielleicht, ich schau mal", "de"),
        ("morgens geht nicht, lieber um 5?", "de"),
        ("Dienstag, am besten nachmittags", "de"),
        ("zehn nach halb drei", "de"),
        ("schickt mir bitte keine Nachrichten mehr", "de"),
        ("passt scho", "de"),
        # Dutch
        ("Ja hoor, ik kom graag", "nl"),
        ("ik red het niet", "nl"),
        ("lukt me helaas niet", "nl"),
        ("niet annuleren hoor", "nl"),
        ("Kan het ook om kwart voor zes?", "nl"),
        ("weet ik nog niet", "nl"),
        ("dinsdagmiddag is beter", "nl"),
        ("ik kom zeker", "nl"),
        ("afmelden voor vrijdag", "nl"),
        ("wat kost het als ik annuleer?", "nl"),
    ],
)
def test_a_clear_text_names_its_language(text, language):
    assert guess_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ok",
        "OK 👍",
        "C",
        "ja",  # German and Dutch
        "Ja!",
        "nee",  # Dutch, and colloquial German
        "3",
        "14:00",
        "15.30?",
        "👍",
        "🙏🙏",
        "Hallo",
        "sorry",
        "super",
        "perfect",
        "morgen",  # German and Dutch
        "Freitag?",  # one word is too little
        "STOP",
        "12345678901234567890",
    ],
)
def test_a_short_or_unclear_text_names_none(text):
    assert guess_language(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # Turkish-German
        "Abi ich schaff das heute nicht, kannst du mir einen neuen Termin geben?",
        "Inshallah komme ich morgen um 10, danke canım",
        "Hallo kardeşim, ich bin leider krank, tamam?",
        # Polish-German
        "Dzień dobry, ich möchte den Termin bitte verschieben",
        "Dzięki, ich komme morgen um 10",
        "kurwa, ich stehe im Stau, komme 10 min später",
    ],
)
def test_code_mixed_german_is_german(text):
    assert guess_language(text) == "de"


@pytest.mark.parametrize("path", CORPORA, ids=lambda path: path.name)
def test_the_corpora_are_never_guessed_wrong_and_mostly_guessed(path):
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    guesses = [(guess_language(line["text"]), line["locale"]) for line in lines]
    wrong = [(guess, locale) for guess, locale in guesses if guess not in (None, locale)]
    right = sum(guess == locale for guess, locale in guesses)
    assert wrong == []
    assert right >= 0.6 * len(lines)

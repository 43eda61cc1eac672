"""The second blind corpus, read in full: every line's intent, start and window.

tests/conversations/corpus/replies-blind2.jsonl was written by someone who
never saw the reader (dialect, number words, swaps and remarks among its
lines), to the conventions of the corpus README (the same facts
as the development set: now Wednesday 2026-11-25 10:00 in Europe/Berlin, the
appointment Thursday 2026-11-26 14:00). The reader was fixed by grammar and
vocabulary for whole families of phrasings, never by its sentences; this test
keeps every line right from now on. A start counts when it is the labelled
one or one of the line's `accept` alternatives.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversations import interpret

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
APPOINTMENT = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
CORPUS = Path(__file__).parent / "corpus" / "replies-blind2.jsonl"
LINES = [json.loads(row) for row in CORPUS.read_text("utf-8").splitlines() if row.strip()]


def read(line: dict):
    return interpret(line["text"], now=NOW, locale=line["locale"], appointment_start=APPOINTMENT)


@pytest.mark.parametrize("line", LINES, ids=lambda line: line["id"])
def test_blind2_line(line):
    reading = read(line)
    start = reading.start.isoformat() if reading.start else None
    window = [bound.isoformat() for bound in reading.window] if reading.window else None
    assert reading.intent == line["intent"], line["text"]
    assert start in {line["start"], *(line.get("accept") or ())}, line["text"]
    assert window == line["window"], line["text"]


def test_no_blind2_line_that_keeps_its_appointment_is_read_as_a_cancellation():
    wrongly_cancelled = [
        line["id"] for line in LINES if line["intent"] != "cancel" and read(line).intent == "cancel"
    ]
    assert wrongly_cancelled == []


def test_the_blind2_corpus_is_complete():
    assert len(LINES) == 190
    assert len({line["id"] for line in LINES}) == len(LINES)
    intents = {line["intent"] for line in LINES}
    assert intents == {"confirm", "cancel", "reschedule", "opt_out", "opt_in", "help", "other"}

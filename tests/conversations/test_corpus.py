"""The development corpus, read in full: every line's intent, start and window.

tests/conversations/corpus/replies-dev.jsonl is a copy of the team's shared
corpus; its README fixes the facts every line is read with. A start counts
when it is the labelled one or one of the line's `accept` alternatives, and
it must be written in the zone of `now` (the labels' "+01:00").
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
CORPUS = Path(__file__).parent / "corpus" / "replies-dev.jsonl"
LINES = [json.loads(row) for row in CORPUS.read_text("utf-8").splitlines() if row.strip()]


@pytest.mark.parametrize("line", LINES, ids=lambda line: line["id"])
def test_corpus_line(line):
    reading = interpret(line["text"], now=NOW, locale=line["locale"], appointment_start=APPOINTMENT)
    start = reading.start.isoformat() if reading.start else None
    window = [bound.isoformat() for bound in reading.window] if reading.window else None
    assert reading.intent == line["intent"], line["text"]
    assert start in {line["start"], *(line.get("accept") or ())}, line["text"]
    assert window == line["window"], line["text"]


def test_no_line_that_keeps_its_appointment_is_read_as_a_cancellation():
    def intent(line: dict) -> str:
        facts = {"now": NOW, "locale": line["locale"], "appointment_start": APPOINTMENT}
        return interpret(line["text"], **facts).intent

    wrongly_cancelled = [
        line["id"] for line in LINES if line["intent"] != "cancel" and intent(line) == "cancel"
    ]
    assert wrongly_cancelled == []


def test_the_corpus_has_timed_reschedules_of_every_kind():
    reschedules = [line for line in LINES if line["intent"] == "reschedule"]
    assert any(line["start"] for line in reschedules)
    assert any(line["window"] for line in reschedules)
    assert any(not line["start"] and not line["window"] for line in reschedules)

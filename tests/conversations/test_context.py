"""The conversation's context as stored: the JSON object keeps its key names, every
context survives the round trip, and older or damaged objects still read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conversations import ConversationContext, Intent
from conversations.context import AppointmentVersion, CancelQuestion, PendingWish

AT = datetime(2026, 11, 25, 10, 0, tzinfo=timezone(timedelta(hours=1)))
FULL = ConversationContext(
    record_id=7,
    offers=(AT + timedelta(days=1), AT + timedelta(days=2)),
    offered_for=AppointmentVersion(7, 2),
    offered_at=AT,
    cancel_asked=CancelQuestion(AppointmentVersion(7, 2), asked_at=AT),
    choices=(7, 8),
    pending=PendingWish(
        Intent.RESCHEDULE, plain=False, start=None, window=(AT, AT + timedelta(hours=4))
    ),
    failures=1,
)


def test_the_stored_object_keeps_the_key_names_it_always_had():
    assert FULL.to_json() == {
        "record_id": 7,
        "offers": ["2026-11-26T10:00:00+01:00", "2026-11-27T10:00:00+01:00"],
        "offered_for": {"record_id": 7, "version": 2},
        "offered_at": "2026-11-25T10:00:00+01:00",
        "cancel_asked": {"record_id": 7, "version": 2, "at": "2026-11-25T10:00:00+01:00"},
        "choices": [7, 8],
        "pending": {
            "intent": "reschedule",
            "plain": False,
            "start": None,
            "window": ["2026-11-25T10:00:00+01:00", "2026-11-25T14:00:00+01:00"],
        },
        "failures": 1,
    }


@pytest.mark.parametrize(
    "context",
    [
        FULL,
        ConversationContext(),
        ConversationContext(record_id=3),
        ConversationContext(choices=(1, 2), pending=PendingWish(Intent.CANCEL, plain=True)),
        ConversationContext(pending=PendingWish(Intent.CONFIRM, start=AT)),
    ],
)
def test_every_context_comes_back_as_it_was_stored(context):
    assert ConversationContext.from_json(context.to_json()) == context


def test_the_empty_context_is_stored_as_an_empty_object():
    assert ConversationContext().to_json() == {}


def test_an_older_object_reads_with_defaults_for_what_it_lacks_and_ignores_the_rest():
    stored = {"record_id": 5, "failures": 0, "offers": [], "note": "from an older version"}
    assert ConversationContext.from_json(stored) == ConversationContext(record_id=5)


@pytest.mark.parametrize("stored", [None, [], "idle", 3])
def test_something_that_is_no_object_reads_as_the_empty_context(stored):
    assert ConversationContext.from_json(stored) == ConversationContext()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"record_id": "7"}, ConversationContext()),
        ({"record_id": True}, ConversationContext()),
        ({"offers": ["2026-11-26T10:00:00+01:00", "soon"]}, ConversationContext()),
        ({"offered_for": {"record_id": 7}}, ConversationContext()),
        ({"offered_at": "yesterday"}, ConversationContext()),
        ({"cancel_asked": {"record_id": 7, "version": 2}}, ConversationContext()),
        ({"choices": [7, "8", None]}, ConversationContext(choices=(7,))),
        ({"pending": {"intent": "dance"}}, ConversationContext(pending=PendingWish())),
        (
            {"pending": {"window": ["2026-11-26T10:00:00+01:00"]}},
            ConversationContext(pending=PendingWish()),
        ),
    ],
)
def test_a_damaged_value_reads_as_its_default(stored, expected):
    assert ConversationContext.from_json(stored) == expected


def test_settling_forgets_the_question_unless_it_is_the_one_now_open():
    settled = FULL.settled(keep_question=False)
    assert settled == ConversationContext(record_id=7)
    assert FULL.settled(keep_question=True) == ConversationContext(
        record_id=7, cancel_asked=FULL.cancel_asked
    )


def test_forgetting_the_offers_keeps_everything_else():
    forgotten = FULL.without_offers()
    assert (forgotten.offers, forgotten.offered_for, forgotten.offered_at) == ((), None, None)
    assert (forgotten.record_id, forgotten.choices, forgotten.failures) == (7, (7, 8), 1)

"""No appointment is cancelled by a question: plain cancels act at once, anything else
read as a cancel is asked about first, and only the code or a plain yes then cancels."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from conversations import Action, Appointment, Handover, Intent, ReplyKey
from outbound.policy.vocabulary import ConversationState
from tests.conversations.test_engine import APPOINTMENT, NOW, OPEN_WEEKDAYS, at, read, run

CANCEL = read(Intent.CANCEL)


def asked(text: str = "Ich schaffe es leider nicht, bitte absagen, mein Kind ist krank", **kw):
    """The bot's question after a cancel in a sentence."""
    done = run(text, CANCEL, **kw)
    assert (done.action, done.state) == (Action.NONE, ConversationState.CANCEL_ASKED)
    assert done.reply.key == ReplyKey.ASK_CANCEL and done.reply.start == APPOINTMENT.start
    return done


def answer(question, text: str, reading=None, **kw):
    return run(
        text, reading or read(Intent.OTHER), state=question.state, context=question.context, **kw
    )


@pytest.mark.parametrize(
    "text",
    [
        "absagen",
        "Bitte absagen!",
        "ich sage ab",
        "Termin morgen absagen, danke. LG Maria",
        "STORNIEREN BITTE",
        "absgen bitte",
        "cancel my appointment",
        "please cancel it, sorry",
        "Cancle my appt pls",
        "annuleren",
        "ik zeg af",
        "Graag annuleren, groetjes",
    ],
)
def test_a_plain_cancel_inside_the_window_cancels_at_once(text):
    done = run(text, CANCEL)
    assert (done.action, done.record_id, done.state) == (Action.CANCEL, 7, ConversationState.IDLE)
    assert done.reply.key == ReplyKey.CANCELLED


@pytest.mark.parametrize(
    "text",
    [
        "Ich schaffe es morgen leider nicht, bitte absagen, weil mein Kind krank ist",
        "what is your cancellation policy?",
        "Was kostet es, wenn ich absage?",
        "hoe laat kan ik annuleren?",
        "absagen wenn möglich",
        "if I must cancel, what happens",
        "bitte nicht absagen",
        "don't cancel",
        "niet annuleren hoor",
        "nein",
        "can't make it",
        "Termin am Freitag absagen",  # the appointment is on Thursday
    ],
)
def test_anything_else_read_as_a_cancel_is_asked_about_first(text):
    done = asked(text)
    assert done.context.cancel_asked is not None and done.context.record_id == 7


@pytest.mark.parametrize("text", ["X", "x", "X!", "ja", "Ja bitte", "yes please", "ok", "👍"])
def test_the_code_or_a_plain_yes_then_cancels(text):
    question = asked()
    done = answer(question, text)
    assert (done.action, done.record_id, done.reply.key) == (Action.CANCEL, 7, ReplyKey.CANCELLED)
    assert done.state == ConversationState.IDLE and done.context.cancel_asked is None


def test_a_plain_cancel_also_answers_the_question():
    done = answer(asked(), "dann bitte absagen", CANCEL)
    assert done.action == Action.CANCEL


@pytest.mark.parametrize(
    ("text", "reading"),
    [("nein", CANCEL), ("Nein danke", CANCEL), ("no", CANCEL), ("C", read(Intent.CONFIRM))],
)
def test_no_keeps_the_appointment_and_says_so(text, reading):
    done = answer(asked(), text, reading)
    assert (done.action, done.state, done.reply.key) == (
        Action.NONE,
        ConversationState.IDLE,
        ReplyKey.KEPT,
    )
    assert done.reply.start == APPOINTMENT.start and done.context.cancel_asked is None


def test_a_question_instead_of_an_answer_goes_to_staff_and_cancels_nothing():
    done = answer(asked(), "Was kostet das denn?")
    assert (done.action, done.state) == (Action.HAND_TO_STAFF, ConversationState.HANDED_TO_STAFF)
    assert (done.handover, done.reply.key) == (Handover.NOT_UNDERSTOOD, ReplyKey.HANDED_TO_STAFF)


def test_the_question_is_never_asked_twice_in_a_row():
    again = answer(asked(), "ja, weil mein Kind krank ist, bitte absagen", CANCEL)
    assert again.action == Action.HAND_TO_STAFF and again.reply.key != ReplyKey.ASK_CANCEL
    assert again.context.cancel_asked is None


def test_another_time_instead_of_yes_is_a_move_asked_as_ever():
    done = answer(asked(), "lieber Freitag 10 Uhr", read(Intent.RESCHEDULE, start=at(27, 10)))
    assert (done.action, done.reply.key) == (Action.NONE, ReplyKey.OFFER_EXACT)


@pytest.mark.parametrize(
    ("window", "now", "key"),
    [
        (24, at(25, 15), ReplyKey.CANCEL_TOO_LATE),  # the window closed after the question
        (None, NOW + timedelta(minutes=5), ReplyKey.CANCEL_NOT_BY_TEXT),
    ],
)
def test_the_yes_keeps_to_the_window_rules(window, now, key):
    question = asked()
    done = answer(question, "X", now=now, cancellation_window_hours=window)
    assert (done.action, done.reply.key) == (Action.HAND_TO_STAFF, key)


@pytest.mark.parametrize(
    ("window", "key"), [(48, ReplyKey.CANCEL_TOO_LATE), (None, ReplyKey.CANCEL_NOT_BY_TEXT)]
)
def test_when_the_bot_could_not_cancel_anyway_it_hands_over_without_asking(window, key):
    done = run("what is your cancellation policy?", CANCEL, cancellation_window_hours=window)
    assert (done.action, done.reply.key) == (Action.HAND_TO_STAFF, key)


def test_the_question_does_not_leak_into_a_later_conversation():
    question = asked()
    # Days later, without answering: a "ja" is no yes to the old question.
    late = answer(question, "ja", read(Intent.CONFIRM), now=NOW + timedelta(days=3))
    assert late.action == Action.HAND_TO_STAFF and late.handover == Handover.APPOINTMENT_GONE
    # The appointment was moved meanwhile: "X" cancels nothing.
    moved = answer(question, "X", appointments=(replace(APPOINTMENT, version=2),))
    assert moved.action == Action.HAND_TO_STAFF
    # Days later, something new is read afresh.
    fresh = answer(
        question,
        "Freitag 10 Uhr?",
        read(Intent.RESCHEDULE, start=at(27, 10)),
        now=NOW + timedelta(days=3),
        availability={7: replace(OPEN_WEEKDAYS, earliest=NOW)},
    )
    assert (fresh.state, fresh.reply.key) == (
        ConversationState.RESCHEDULE_OFFERED,
        ReplyKey.OFFER_EXACT,
    )
    assert fresh.context.cancel_asked is None
    # Once answered, the state is over: a later "ja" confirms.
    kept = answer(question, "nein", CANCEL)
    later = run("ja", read(Intent.CONFIRM), state=kept.state, context=kept.context)
    assert later.action == Action.CONFIRM


def test_an_opt_out_ends_the_question():
    done = answer(asked(), "STOP", read(Intent.OPT_OUT, keyword="stop"))
    assert (done.action, done.state) == (Action.RECORD_OPT_OUT, ConversationState.IDLE)
    assert done.context.cancel_asked is None


def test_offers_then_a_sentence_cancel_asks_too():
    offered = run("Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10)))
    done = answer(offered, "ach nee, dann lieber absagen, das wird mir zu stressig", CANCEL)
    assert (done.state, done.reply.key) == (ConversationState.CANCEL_ASKED, ReplyKey.ASK_CANCEL)
    assert not done.context.offers


def test_with_several_appointments_the_plainness_of_the_wish_is_kept_for_the_pick():
    later = Appointment(8, at(3, 11))
    both = {"appointments": (APPOINTMENT, later), "availability": {7: OPEN_WEEKDAYS}}
    which = run("bitte absagen", CANCEL, **both)
    assert which.reply.key == ReplyKey.WHICH_APPOINTMENT
    done = answer(which, "2", **both)
    assert (done.action, done.record_id) == (Action.CANCEL, 8)

    which = run("absagen, falls das noch geht", CANCEL, **both)
    done = answer(which, "2", **both)
    assert (done.action, done.state, done.record_id) == (
        Action.NONE,
        ConversationState.CANCEL_ASKED,
        8,
    )

"""The conversation state machine: a message and the situation → one step (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations import (
    Action,
    Appointment,
    ConversationContext,
    Handover,
    Intent,
    Interpretation,
    ReplyKey,
    Situation,
    step,
)
from conversations.slots import Availability
from outbound.policy.vocabulary import ConversationState

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)  # Wednesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11 if day >= 20 else 12, day, hour, minute, tzinfo=BERLIN)


APPOINTMENT = Appointment(7, at(26, 14))  # Thursday 14:00
OPEN_WEEKDAYS = Availability(
    zone="Europe/Berlin",
    opening={weekday: ((time(9), time(18)),) for weekday in range(6)},
    busy=((at(27, 15), at(27, 16)),),  # Friday 15:00 is taken
    duration=timedelta(minutes=45),
    earliest=NOW + timedelta(hours=1),
)
SITUATION = Situation(
    now=NOW,
    appointments=(APPOINTMENT,),
    availability={7: OPEN_WEEKDAYS},
    cancellation_window_hours=24,
)


def read(intent: Intent, start=None, window=None, keyword=None) -> Interpretation:
    return Interpretation(intent, start=start, window=window, keyword=keyword)


def run(text: str, reading: Interpretation, **situation):
    return step(text, reading, replace(SITUATION, **situation))


# --- one message, fresh conversation --------------------------------------------


def test_a_yes_confirms_the_appointment():
    done = run("ja", read(Intent.CONFIRM))
    assert (done.action, done.record_id, done.reply.key) == (Action.CONFIRM, 7, ReplyKey.CONFIRMED)
    assert done.state == ConversationState.IDLE and not done.needs_staff


def test_a_request_not_yet_accepted_cannot_be_confirmed():
    done = run("ja", read(Intent.CONFIRM), appointments=(replace(APPOINTMENT, booked=False),))
    assert (done.action, done.reply.key) == (Action.HAND_TO_STAFF, ReplyKey.REQUEST_PENDING)


@pytest.mark.parametrize(
    ("now", "window", "action", "key"),
    [
        (NOW, 24, Action.CANCEL, ReplyKey.CANCELLED),  # 28 h ahead, window 24 h
        (NOW, 48, Action.HAND_TO_STAFF, ReplyKey.CANCEL_TOO_LATE),
        (NOW, None, Action.HAND_TO_STAFF, ReplyKey.CANCEL_NOT_BY_TEXT),
        (at(25, 14, 1), 24, Action.HAND_TO_STAFF, ReplyKey.CANCEL_TOO_LATE),
        (at(25, 14), 24, Action.CANCEL, ReplyKey.CANCELLED),  # exactly at the limit
    ],
)
def test_cancelling_only_inside_the_window(now, window, action, key):
    done = run("bitte absagen", read(Intent.CANCEL), now=now, cancellation_window_hours=window)
    assert (done.action, done.reply.key) == (action, key)
    assert done.needs_staff == (action == Action.HAND_TO_STAFF)


def test_a_free_exact_time_is_offered_for_a_yes_and_nothing_moves_yet():
    offered = run("Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10)))
    assert (offered.action, offered.state) == (Action.NONE, ConversationState.RESCHEDULE_OFFERED)
    assert offered.reply.key == ReplyKey.OFFER_EXACT and offered.reply.start == at(27, 10)

    moved = run("ja", read(Intent.CONFIRM), state=offered.state, context=offered.context)
    assert (moved.action, moved.record_id, moved.new_start) == (Action.MOVE, 7, at(27, 10))
    assert moved.reply.key == ReplyKey.MOVED and moved.state == ConversationState.IDLE
    assert not moved.context.offers


def test_a_taken_time_gets_numbered_offers_and_a_number_picks_one():
    offered = run("Freitag 15 Uhr?", read(Intent.RESCHEDULE, start=at(27, 15)))
    assert offered.reply.key == ReplyKey.OFFER_TAKEN
    slots = offered.reply.slots
    assert len(slots) == 3 and at(27, 15) not in slots

    moved = run("2", read(Intent.OTHER), state=offered.state, context=offered.context)
    assert (moved.action, moved.new_start) == (Action.MOVE, slots[1])


def test_a_digit_int_cannot_read_picks_nothing_and_crashes_nothing():
    offered = run("Freitag 15 Uhr?", read(Intent.RESCHEDULE, start=at(27, 15)))

    # ፩ (Ethiopic one) is a digit to str.isdigit but not a decimal int() reads.
    answered = run("\u1369", read(Intent.OTHER), state=offered.state, context=offered.context)

    assert answered.action == Action.NONE


def test_naming_one_of_the_offered_times_picks_it():
    offered = run("Freitag 15 Uhr?", read(Intent.RESCHEDULE, start=at(27, 15)))
    wanted = offered.reply.slots[2]
    # "16:45" alone is read on the appointment's own day; the clock time still matches
    said = wanted.replace(day=26)
    moved = run("16:45", read(Intent.RESCHEDULE, start=said), state=offered.state,
                context=offered.context)  # fmt: skip
    assert (moved.action, moved.new_start) == (Action.MOVE, wanted)


def test_a_period_gets_offers_inside_it():
    friday_afternoon = (at(27, 12), at(27, 18))
    offered = run("Freitag nachmittag", read(Intent.RESCHEDULE, window=friday_afternoon))
    assert offered.reply.key == ReplyKey.OFFER_SLOTS
    assert all(friday_afternoon[0] <= slot < friday_afternoon[1] for slot in offered.reply.slots)


def test_no_time_given_asks_when_and_the_answer_gets_offers():
    asked = run("Kann ich verschieben?", read(Intent.RESCHEDULE))
    assert (asked.state, asked.reply.key) == (
        ConversationState.RESCHEDULE_COLLECTING,
        ReplyKey.ASK_WHEN,
    )
    offered = run("Montag 10 Uhr", read(Intent.RESCHEDULE, start=at(30, 10)),
                  state=asked.state, context=asked.context)  # fmt: skip
    assert offered.reply.key == ReplyKey.OFFER_EXACT


def test_two_unclear_answers_in_a_row_hand_over_to_staff():
    asked = run("verschieben", read(Intent.RESCHEDULE))
    first = run("hmm", read(Intent.OTHER), state=asked.state, context=asked.context)
    assert (first.action, first.reply.key) == (Action.NONE, ReplyKey.ASK_WHEN)
    second = run("weiß nicht", read(Intent.OTHER), state=first.state, context=first.context)
    assert (second.action, second.state) == (
        Action.HAND_TO_STAFF,
        ConversationState.HANDED_TO_STAFF,
    )
    assert second.reply.key == ReplyKey.HANDED_TO_STAFF and second.needs_staff


def test_no_to_the_offers_asks_for_another_time_instead_of_cancelling():
    offered = run("Freitag 15 Uhr?", read(Intent.RESCHEDULE, start=at(27, 15)))
    declined = run("nein", read(Intent.CANCEL), state=offered.state, context=offered.context)
    assert (declined.action, declined.state) == (
        Action.NONE,
        ConversationState.RESCHEDULE_COLLECTING,
    )


def test_an_offer_taken_meanwhile_is_not_moved_to():
    offered = run("Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10)))
    booked = replace(OPEN_WEEKDAYS, busy=OPEN_WEEKDAYS.busy + ((at(27, 10), at(27, 11)),))
    done = run("ja", read(Intent.CONFIRM), state=offered.state, context=offered.context,
               availability={7: booked})  # fmt: skip
    assert (done.action, done.reply.key) == (Action.NONE, ReplyKey.OFFER_TAKEN)


def test_without_opening_hours_a_move_goes_to_staff():
    done = run("Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10)), availability={})
    assert (done.action, done.reply.key) == (Action.HAND_TO_STAFF, ReplyKey.HANDED_TO_STAFF)


def test_several_appointments_ask_which_and_keep_the_wish():
    later = Appointment(8, at(3, 11))
    both = {
        "appointments": (APPOINTMENT, later),
        "availability": {7: OPEN_WEEKDAYS, 8: OPEN_WEEKDAYS},
    }
    wish = read(Intent.RESCHEDULE, start=at(27, 10))
    asked = run("Können wir auf Freitag 10 Uhr?", wish, **both)
    assert (asked.state, asked.reply.key) == (
        ConversationState.AWAITING_REPLY,
        ReplyKey.WHICH_APPOINTMENT,
    )
    assert asked.reply.appointments == (APPOINTMENT.start, later.start)
    offered = run("2", read(Intent.OTHER), state=asked.state, context=asked.context, **both)
    assert offered.reply.key == ReplyKey.OFFER_EXACT
    assert offered.record_id == 8 and offered.context.record_id == 8


def test_the_appointment_the_last_notice_was_about_needs_no_question():
    later = Appointment(8, at(3, 11))
    done = run("ja", read(Intent.CONFIRM), appointments=(APPOINTMENT, later),
               context=ConversationContext(record_id=8))  # fmt: skip
    assert (done.action, done.record_id) == (Action.CONFIRM, 8)


# --- opt-out, help, strangers and staff --------------------------------------------


def test_stop_records_the_opt_out_silently():
    done = run("STOP", read(Intent.OPT_OUT, keyword="stop"))
    assert (done.action, done.reply, done.needs_staff) == (Action.RECORD_OPT_OUT, None, False)


def test_a_bare_cancel_opts_out_and_tells_staff_but_cancels_nothing():
    done = run("CANCEL", read(Intent.OPT_OUT, keyword="cancel"))
    assert (done.action, done.needs_staff) == (Action.RECORD_OPT_OUT, True)


def test_start_clears_the_opt_out_and_yes_does_too():
    assert run("START", read(Intent.OPT_IN, keyword="start")).action == Action.CLEAR_OPT_OUT
    yes = run("YES", read(Intent.CONFIRM, keyword="yes"))
    assert (yes.action, yes.carrier_opt_in) == (Action.CONFIRM, True)


def test_help_answers_with_the_help_text():
    done = run("HELP", read(Intent.HELP, keyword="help"))
    assert (done.action, done.reply.key) == (Action.NONE, ReplyKey.HELP)


def test_an_unknown_sender_goes_to_staff_with_an_honest_reply():
    done = run("ja", read(Intent.CONFIRM), known_sender=False, appointments=())
    assert (done.action, done.reply.key) == (Action.HAND_TO_STAFF, ReplyKey.UNKNOWN_SENDER)


def test_questions_go_to_staff_once_then_the_bot_stays_quiet():
    first = run("Was kostet das?", read(Intent.OTHER))
    assert (first.action, first.reply.key) == (Action.HAND_TO_STAFF, ReplyKey.HANDED_TO_STAFF)
    again = run("Und parken?", read(Intent.OTHER), staff_holds=True)
    assert (again.action, again.reply) == (Action.HAND_TO_STAFF, None)


def test_while_staff_hold_the_conversation_the_bot_neither_acts_nor_answers():
    for text, reading in (
        ("ja", read(Intent.CONFIRM)),
        ("absagen", read(Intent.CANCEL)),
        ("Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10))),
        ("HELP", read(Intent.HELP)),
    ):
        held = run(text, reading, staff_holds=True)
        assert (held.action, held.reply, held.needs_staff) == (Action.HAND_TO_STAFF, None, True)
        assert held.handover is None  # the reason staff got it stays the first one
    asked = run("ja", read(Intent.CONFIRM), staff_holds=True, staff_awaits_answer=True)
    assert (asked.action, asked.reply) == (Action.HAND_TO_STAFF, None)
    assert asked.handover == Handover.ANSWER_TO_STAFF


def test_an_opt_out_counts_even_while_staff_hold_the_conversation():
    held = run("STOP", read(Intent.OPT_OUT, keyword="stop"), staff_holds=True)
    assert held.action == Action.RECORD_OPT_OUT


# --- what a review found: offers and answers that must not act ------------------------


def offered_exact():
    return run("Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10)))


def test_an_offer_for_an_appointment_that_is_gone_moves_nothing_else():
    later = Appointment(8, at(3, 11))
    offered = offered_exact()
    # staff cancelled appointment 7 meanwhile; the customer still has appointment 8
    done = run("ja", read(Intent.CONFIRM), state=offered.state, context=offered.context,
               appointments=(later,), availability={8: OPEN_WEEKDAYS})  # fmt: skip
    assert done.action == Action.HAND_TO_STAFF and done.record_id is None


def test_an_old_offer_is_not_taken_by_a_later_yes():
    offered = offered_exact()
    done = run("ja", read(Intent.CONFIRM), state=offered.state, context=offered.context,
               now=NOW + timedelta(days=3))  # fmt: skip
    assert (done.action, done.record_id) == (Action.CONFIRM, 7)


def test_an_offer_made_before_staff_changed_the_appointment_is_void():
    offered = offered_exact()
    changed = replace(APPOINTMENT, version=2)
    done = run("ja", read(Intent.CONFIRM), state=offered.state, context=offered.context,
               appointments=(changed,))  # fmt: skip
    assert done.action == Action.CONFIRM


def test_no_to_the_question_when_keeps_the_appointment():
    asked = run("verschieben", read(Intent.RESCHEDULE))
    kept = run("Nein danke", read(Intent.CANCEL), state=asked.state, context=asked.context)
    assert (kept.action, kept.state, kept.reply.key) == (
        Action.NONE,
        ConversationState.IDLE,
        ReplyKey.KEPT,
    )
    also = run("passt doch", read(Intent.CONFIRM), state=asked.state, context=asked.context)
    assert also.reply.key == ReplyKey.KEPT


def test_an_explicit_cancel_after_offers_cancels_inside_the_window():
    offered = offered_exact()
    done = run("bitte ganz absagen", read(Intent.CANCEL), state=offered.state,
               context=offered.context)  # fmt: skip
    assert done.action == Action.CANCEL


def test_the_retry_prompt_for_one_offer_names_its_time():
    offered = offered_exact()
    again = run("hm?", read(Intent.OTHER), state=offered.state, context=offered.context)
    assert (again.reply.key, again.reply.start) == (ReplyKey.PICK_AGAIN, at(27, 10))


def test_a_closed_time_and_a_full_period_say_so():
    sunday = run("Sonntag 10 Uhr?", read(Intent.RESCHEDULE, start=at(29, 10)))
    assert sunday.reply.key == ReplyKey.OFFER_CLOSED and sunday.reply.slots
    full = run("Sonntag?", read(Intent.RESCHEDULE, window=(at(29, 0), at(30, 0))))
    assert full.reply.key == ReplyKey.OFFER_OUTSIDE and full.reply.slots


# --- why the bot hands over (shown in the inbox) --------------------------------------


def _twice_unclear():
    asked = run("verschieben", read(Intent.RESCHEDULE))
    first = run("hmm", read(Intent.OTHER), state=asked.state, context=asked.context)
    return run("weiß nicht", read(Intent.OTHER), state=first.state, context=first.context)


@pytest.mark.parametrize(
    ("done", "why"),
    [
        (lambda: run("ja", read(Intent.CONFIRM), known_sender=False), Handover.UNKNOWN_SENDER),
        (lambda: run("Was kostet das?", read(Intent.OTHER)), Handover.NOT_UNDERSTOOD),
        (lambda: run("ja", read(Intent.CONFIRM), appointments=()), Handover.NO_APPOINTMENT),
        (
            lambda: run(
                "ja", read(Intent.CONFIRM), appointments=(replace(APPOINTMENT, booked=False),)
            ),
            Handover.REQUEST_PENDING,
        ),
        (
            lambda: run("absagen", read(Intent.CANCEL), cancellation_window_hours=None),
            Handover.CANCEL_NOT_BY_TEXT,
        ),
        (
            lambda: run("absagen", read(Intent.CANCEL), cancellation_window_hours=48),
            Handover.CANCEL_TOO_LATE,
        ),
        (
            lambda: run(
                "Freitag 10 Uhr?", read(Intent.RESCHEDULE, start=at(27, 10)), availability={}
            ),  # fmt: skip
            Handover.NO_OPENING_HOURS,
        ),
        (_twice_unclear, Handover.REPEATED_FAILURE),
        (lambda: run("CANCEL", read(Intent.OPT_OUT, keyword="cancel")), Handover.CANCEL_KEYWORD),
        (
            lambda: run("ja", read(Intent.CONFIRM), staff_holds=True, staff_awaits_answer=True),
            Handover.ANSWER_TO_STAFF,
        ),
    ],
)
def test_every_hand_over_says_why(done, why):
    step_ = done()
    assert (step_.needs_staff, step_.handover) == (True, why)


@pytest.mark.parametrize(
    "done",
    [
        lambda: run("ja", read(Intent.CONFIRM)),
        lambda: run("STOP", read(Intent.OPT_OUT, keyword="stop")),
        lambda: run("HELP", read(Intent.HELP, keyword="help")),
        lambda: run("verschieben", read(Intent.RESCHEDULE)),
    ],
)
def test_what_the_bot_handles_itself_has_no_hand_over(done):
    step_ = done()
    assert (step_.needs_staff, step_.handover) == (False, None)

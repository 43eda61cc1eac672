"""The conversation state machine's first slice: reading → action and reply."""

from __future__ import annotations

import pytest

from conversations import Action, Decision, Intent, Interpretation, decide


def reading(intent: Intent, keyword: str | None = None) -> Interpretation:
    return Interpretation(intent, keyword=keyword)


@pytest.mark.parametrize(
    ("interpretation", "facts", "expected"),
    [
        # confirm needs an appointment to confirm
        (reading(Intent.CONFIRM), {}, Decision(Action.CONFIRM, "reply_confirmed")),
        (
            reading(Intent.CONFIRM),
            {"has_upcoming_appointment": False},
            Decision(Action.HAND_TO_STAFF, "reply_handed_to_staff"),
        ),
        # opt-out: the carrier answers STOP itself, so the bot stays silent
        (reading(Intent.OPT_OUT, "stop"), {}, Decision(Action.RECORD_OPT_OUT)),
        (reading(Intent.OPT_OUT), {}, Decision(Action.RECORD_OPT_OUT)),
        # a bare CANCEL opted the number out but probably meant the appointment
        (
            reading(Intent.OPT_OUT, "cancel"),
            {},
            Decision(Action.RECORD_OPT_OUT, flag_for_staff=True),
        ),
        (reading(Intent.OPT_IN, "start"), {}, Decision(Action.CLEAR_OPT_OUT)),
        # the carrier has answered HELP already; a local "Hilfe" gets our reply
        (reading(Intent.HELP, "help"), {}, Decision(Action.HAND_TO_STAFF)),
        (reading(Intent.HELP), {}, Decision(Action.HAND_TO_STAFF, "reply_handed_to_staff")),
        # what this slice cannot do yet goes to staff with an honest reply
        (reading(Intent.CANCEL), {}, Decision(Action.HAND_TO_STAFF, "reply_handed_to_staff")),
        (reading(Intent.RESCHEDULE), {}, Decision(Action.HAND_TO_STAFF, "reply_handed_to_staff")),
        (reading(Intent.OTHER), {}, Decision(Action.HAND_TO_STAFF, "reply_handed_to_staff")),
        # unknown numbers
        (
            reading(Intent.CONFIRM),
            {"known_sender": False, "has_upcoming_appointment": False},
            Decision(Action.HAND_TO_STAFF, "reply_unknown_sender"),
        ),
        (
            reading(Intent.OPT_OUT, "stop"),
            {"known_sender": False, "has_upcoming_appointment": False},
            Decision(Action.RECORD_OPT_OUT),
        ),
        # while a person works the conversation the bot stays quiet …
        (
            reading(Intent.CONFIRM),
            {"staff_holds_conversation": True, "has_upcoming_appointment": False},
            Decision(Action.HAND_TO_STAFF),
        ),
        # … except that a clear yes to a booked appointment is confirmed, staff still told
        (
            reading(Intent.CONFIRM),
            {"staff_holds_conversation": True},
            Decision(Action.CONFIRM, "reply_confirmed", flag_for_staff=True),
        ),
        # a bare YES is also the carrier's opt-in: our record of the opt-out must follow
        (
            reading(Intent.CONFIRM, "yes"),
            {},
            Decision(Action.CONFIRM, "reply_confirmed", carrier_opt_in=True),
        ),
        (
            reading(Intent.CONFIRM, "yes"),
            {"has_upcoming_appointment": False},
            Decision(Action.HAND_TO_STAFF, "reply_handed_to_staff", carrier_opt_in=True),
        ),
        (
            reading(Intent.OTHER),
            {"staff_holds_conversation": True},
            Decision(Action.HAND_TO_STAFF),
        ),
        # … but an opt-out is honoured whoever holds the conversation
        (
            reading(Intent.OPT_OUT, "stop"),
            {"staff_holds_conversation": True},
            Decision(Action.RECORD_OPT_OUT),
        ),
    ],
)
def test_decide(interpretation, facts, expected):
    facts = {"has_upcoming_appointment": True, **facts}
    assert decide(interpretation, **facts) == expected


@pytest.mark.parametrize(
    ("decision", "needs_staff"),
    [
        (Decision(Action.CONFIRM, "reply_confirmed"), False),
        (Decision(Action.RECORD_OPT_OUT), False),
        (Decision(Action.RECORD_OPT_OUT, flag_for_staff=True), True),
        (Decision(Action.HAND_TO_STAFF), True),
    ],
)
def test_needs_staff(decision, needs_staff):
    assert decision.needs_staff is needs_staff

"""The conversation state machine: what the bot does with a message it has read.

`decide` takes an `Interpretation` and the facts about the conversation and
returns a `Decision`: one action for the domain services to apply, the reply
text to send (by template key, or none) and whether staff must look at it.
It covers the first slice of DESIGN.md §4: confirm an upcoming appointment,
honour opt-out and opt-in, and hand everything else to staff with a short,
honest reply. Pure: no database, no clock, no sending.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conversations.intents import Intent, Interpretation

REPLY_CONFIRMED = "reply_confirmed"
REPLY_HANDED_TO_STAFF = "reply_handed_to_staff"
REPLY_UNKNOWN_SENDER = "reply_unknown_sender"


class Action(enum.StrEnum):
    CONFIRM = "confirm"  # mark the upcoming appointment as confirmed by the customer
    RECORD_OPT_OUT = "record_opt_out"  # no more messages to this address
    CLEAR_OPT_OUT = "clear_opt_out"  # messages to this address are welcome again
    HAND_TO_STAFF = "hand_to_staff"  # open the conversation in the staff inbox


# A bare YES is Twilio's opt-in keyword as well as a yes: the carrier has
# unblocked the number, so our own opt-out record must follow.
CARRIER_OPT_IN_CONFIRMATIONS = frozenset({"yes"})


@dataclass(frozen=True)
class Decision:
    """What to do: `action`, the reply template key (None: say nothing), whether
    the conversation needs a person even when the action is not a hand-over, and
    whether the carrier opted the sender back in along the way."""

    action: Action
    reply_key: str | None = None
    flag_for_staff: bool = False
    carrier_opt_in: bool = False

    @property
    def needs_staff(self) -> bool:
        return self.action == Action.HAND_TO_STAFF or self.flag_for_staff


def decide(
    interpretation: Interpretation,
    *,
    has_upcoming_appointment: bool,
    known_sender: bool = True,
    staff_holds_conversation: bool = False,
    staff_awaits_answer: bool = False,
) -> Decision:
    """Decide what the bot does with one message.

    `has_upcoming_appointment`: the sender has a booked appointment still to
    come (a request the business has not accepted yet does not count);
    `known_sender`: the sender's address belongs to a customer;
    `staff_holds_conversation`: the conversation is in the staff inbox, so the
    bot confirms a clear yes and honours opt-out and opt-in, and otherwise
    stays quiet; `staff_awaits_answer`: staff wrote to the customer last, so a
    yes answers them, not the notice, and is theirs to read.
    """
    intent, keyword = interpretation.intent, interpretation.keyword
    if intent == Intent.OPT_OUT:
        # The carrier answers STOP itself and blocks our replies. A bare CANCEL
        # opted the number out too, but the customer likely meant the appointment.
        return Decision(Action.RECORD_OPT_OUT, flag_for_staff=keyword == "cancel")
    if intent == Intent.OPT_IN:
        return Decision(Action.CLEAR_OPT_OUT)
    opted_in = keyword in CARRIER_OPT_IN_CONFIRMATIONS
    if (
        intent == Intent.CONFIRM
        and has_upcoming_appointment
        and known_sender
        and not staff_awaits_answer
    ):
        # A clear yes is acted on even while staff hold the conversation; they still see it.
        return Decision(
            Action.CONFIRM,
            REPLY_CONFIRMED,
            flag_for_staff=staff_holds_conversation,
            carrier_opt_in=opted_in,
        )
    if staff_holds_conversation:
        return Decision(Action.HAND_TO_STAFF, carrier_opt_in=opted_in)
    if intent == Intent.HELP and keyword is not None:
        return Decision(Action.HAND_TO_STAFF)  # the carrier has sent its help text already
    if not known_sender:
        return Decision(Action.HAND_TO_STAFF, REPLY_UNKNOWN_SENDER, carrier_opt_in=opted_in)
    return Decision(Action.HAND_TO_STAFF, REPLY_HANDED_TO_STAFF, carrier_opt_in=opted_in)

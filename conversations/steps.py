"""What a conversation step is given and what it decides: the `Situation` a message arrives in
(state, context, upcoming `Appointment`s, free times, cancellation window) and the `Step` the bot
takes (one `Action`, the `Reply` by `ReplyKey`, the next state and context, and the `Handover`
reason when staff must look).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from conversations.context import ConversationContext
from conversations.slots import Availability
from outbound.policy.vocabulary import ConversationState


class Action(enum.StrEnum):
    NONE = "none"  # only a reply (or nothing)
    CONFIRM = "confirm"  # the customer will come
    CANCEL = "cancel"  # cancel the appointment, the customer asked for it
    MOVE = "move"  # move the appointment to `new_start`, the customer agreed
    RECORD_OPT_OUT = "record_opt_out"  # no more messages to this address
    CLEAR_OPT_OUT = "clear_opt_out"  # messages to this address are welcome again
    HAND_TO_STAFF = "hand_to_staff"  # open the conversation in the staff inbox


class ReplyKey(enum.StrEnum):
    """The texts the bot answers with (templates/messages/<locale>.toml)."""

    CONFIRMED = "reply_confirmed"
    HANDED_TO_STAFF = "reply_handed_to_staff"
    UNKNOWN_SENDER = "reply_unknown_sender"
    HELP = "reply_help"
    REQUEST_PENDING = "reply_request_pending"
    CANCELLED = "reply_cancelled"
    CANCEL_TOO_LATE = "reply_cancel_too_late"
    CANCEL_NOT_BY_TEXT = "reply_cancel_not_by_text"
    ASK_CANCEL = "reply_ask_cancel"
    ASK_WHEN = "reply_ask_when"
    OFFER_EXACT = "reply_offer_exact"
    OFFER_SLOTS = "reply_offer_slots"
    OFFER_TAKEN = "reply_offer_taken"
    OFFER_CLOSED = "reply_offer_closed"
    OFFER_OUTSIDE = "reply_offer_outside"
    KEPT = "reply_kept"
    PICK_AGAIN = "reply_pick_again"
    NO_SLOTS = "reply_no_slots"
    MOVED = "reply_moved"
    WHICH_APPOINTMENT = "reply_which_appointment"


class Handover(enum.StrEnum):
    """Why the bot handed a conversation to staff; the inbox shows it in words."""

    UNKNOWN_SENDER = "unknown_sender"  # the number belongs to no customer
    NOT_UNDERSTOOD = "not_understood"  # a question or anything the bot does not act on
    NO_APPOINTMENT = "no_appointment"  # confirm, cancel or move, but nothing upcoming
    REQUEST_PENDING = "request_pending"  # confirms a request the business has not booked
    CANCEL_NOT_BY_TEXT = "cancel_not_by_text"  # the business takes no cancellations by text
    CANCEL_TOO_LATE = "cancel_too_late"  # inside the cancellation window
    NO_OPENING_HOURS = "no_opening_hours"  # a move, but no diary to offer times from
    NO_SLOTS = "no_slots"  # a move, but nothing free near the wish
    REPEATED_FAILURE = "repeated_failure"  # two unclear answers in a row
    APPOINTMENT_GONE = "appointment_gone"  # the appointment talked about changed meanwhile
    CANCEL_KEYWORD = "cancel_keyword"  # a bare CANCEL: opted out, but likely meant the visit
    ANSWER_TO_STAFF = "answer_to_staff"  # the customer answered a staff message


@dataclass(frozen=True)
class Appointment:
    """One of the customer's appointments still to come."""

    id: int
    start: datetime
    booked: bool = True  # False: a request the business has not accepted yet
    version: int = 1  # bumped by every change of time or status


@dataclass(frozen=True)
class Situation:
    """What the machine knows besides the message itself."""

    now: datetime
    state: ConversationState = ConversationState.IDLE
    context: ConversationContext = ConversationContext()
    known_sender: bool = True
    appointments: tuple[Appointment, ...] = ()  # soonest first
    availability: Mapping[int, Availability] = field(default_factory=dict)  # by appointment id
    cancellation_window_hours: int | None = None  # None: no cancelling by text
    # Staff hold the conversation (open, pending or snoozed in the inbox): the bot
    # records opt-outs and opt-ins but neither acts nor answers.
    staff_holds: bool = False
    staff_awaits_answer: bool = False  # staff wrote last: the answer is theirs


@dataclass(frozen=True)
class Reply:
    key: ReplyKey
    start: datetime | None = None  # the time offered, moved to, or cancelled
    slots: tuple[datetime, ...] = ()  # numbered offers
    appointments: tuple[datetime, ...] = ()  # numbered choices of appointment


@dataclass(frozen=True)
class Step:
    action: Action
    state: ConversationState
    context: ConversationContext
    record_id: int | None = None
    new_start: datetime | None = None
    reply: Reply | None = None
    needs_staff: bool = False
    handover: Handover | None = None  # why, when this step hands over
    carrier_opt_in: bool = False

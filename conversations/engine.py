"""The conversation state machine: `step` takes a message (its text and its `Interpretation`) and
the `Situation` it arrives in and returns the `Step` the bot takes (at most one action, the reply,
the next state and context, whether staff must look). The types it speaks in are in
`conversations.steps`. Pure: no database, no clock, no sending.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from conversations.context import AppointmentVersion, CancelQuestion, PendingWish
from conversations.intents import Intent, Interpretation
from conversations.picking import is_bare_no, picked_number
from conversations.plain import is_cancel_code, is_plain_cancel, is_plain_yes
from conversations.steps import Action, Appointment, Handover, Reply, ReplyKey, Situation, Step
from outbound.policy.vocabulary import ConversationState

# A bare YES is Twilio's opt-in keyword as well as a yes: the carrier has
# unblocked the number, so our own opt-out record must follow.
CARRIER_OPT_IN_CONFIRMATIONS = frozenset({"yes"})
MAX_FAILURES = 2  # unclear answers in a row before staff take over
OFFERS_KEEP = timedelta(hours=48)  # an offer older than this is not accepted any more
QUESTION_KEEPS = OFFERS_KEEP  # so is a "shall I cancel?" older than this


def step(text: str, reading: Interpretation, situation: Situation) -> Step:
    """Decide what the bot does with one message. Nothing is moved before the customer
    agrees to a time the bot offered; a cancellation is accepted only inside the business's
    window, at once only on a plain instruction (`conversations.plain`; anything else read as
    a cancel is asked about first); two unclear answers in a row hand over to staff."""
    return _Machine(text, reading, situation).run()


class _Machine:
    def __init__(self, text: str, reading: Interpretation, situation: Situation):
        self.text = text
        self.reading = reading
        self.s = situation
        self.context = situation.context
        self.opted_in = reading.keyword in CARRIER_OPT_IN_CONFIRMATIONS

    def run(self) -> Step:
        intent = self.reading.intent
        if intent == Intent.OPT_OUT:
            # The carrier answers STOP itself and blocks our replies. A bare CANCEL
            # opted the number out too, but the customer likely meant the appointment.
            flag = self.reading.keyword == "cancel"
            return self._step(
                Action.RECORD_OPT_OUT,
                ConversationState.IDLE,
                needs_staff=flag,
                handover=Handover.CANCEL_KEYWORD if flag else None,
                reset=True,
            )
        if intent == Intent.OPT_IN:
            return self._step(Action.CLEAR_OPT_OUT, self.s.state)
        if self.s.staff_awaits_answer:
            # Staff asked something: the answer is theirs.
            return self._to_staff(Handover.ANSWER_TO_STAFF, None)
        if self.s.staff_holds:
            # A person has the conversation in hand: the bot neither acts nor answers.
            return self._step(
                Action.HAND_TO_STAFF,
                ConversationState.HANDED_TO_STAFF,
                needs_staff=True,
                reset=True,
            )
        if intent == Intent.HELP:
            return self._step(Action.NONE, self.s.state, reply=Reply(ReplyKey.HELP))
        if not self.s.known_sender:
            return self._to_staff(Handover.UNKNOWN_SENDER, ReplyKey.UNKNOWN_SENDER)
        if self.context.choices:
            return self._choosing()
        record = self._appointment_in_question()
        if record is None and self.context.record_id is not None:
            # The appointment this exchange was about was cancelled or moved away
            # by someone else: nothing said here may act on another appointment.
            return self._gone()
        if self.s.state == ConversationState.CANCEL_ASKED and record:
            if self._question_holds(record):
                return self._cancel_asked(record)
            if is_cancel_code(self.text) or is_plain_yes(self.text):
                # An answer to a question about the appointment as it was, or long ago:
                # a person checks rather than the bot cancelling, or confirming, on it.
                return self._to_staff(Handover.APPOINTMENT_GONE, ReplyKey.HANDED_TO_STAFF)
        if (
            self.s.state == ConversationState.RESCHEDULE_OFFERED
            and record
            and self._offers_hold(record)
        ):
            return self._offered(record)
        if self.s.state == ConversationState.RESCHEDULE_COLLECTING and record:
            return self._collecting(record)
        return self._fresh(record)

    # --- states --------------------------------------------------------------

    def _fresh(self, record: Appointment | None) -> Step:
        intent = self.reading.intent
        if intent not in (Intent.CONFIRM, Intent.CANCEL, Intent.RESCHEDULE):
            return self._to_staff(Handover.NOT_UNDERSTOOD, ReplyKey.HANDED_TO_STAFF)
        if record is None:
            if len(self.s.appointments) > 1:
                return self._ask_which()
            return self._to_staff(Handover.NO_APPOINTMENT, ReplyKey.HANDED_TO_STAFF)
        if intent == Intent.CONFIRM:
            if not record.booked:
                return self._to_staff(
                    Handover.REQUEST_PENDING, ReplyKey.REQUEST_PENDING, record=record
                )
            return self._step(
                Action.CONFIRM,
                ConversationState.IDLE,
                record=record,
                reply=Reply(ReplyKey.CONFIRMED, start=record.start),
                reset=True,
            )
        if intent == Intent.CANCEL:
            return self._cancel(record, agreed=self._plain_cancel(record))
        return self._reschedule(record)

    def _offered(self, record: Appointment) -> Step:
        offers = list(self.context.offers)
        picked = self._picked_offer(offers)
        availability = self.s.availability.get(record.id)
        if picked is not None and availability is not None and not availability.is_free(picked):
            # Someone else took it since it was offered: offer what is near it now.
            return self._offer(record, availability.nearest(picked), ReplyKey.OFFER_TAKEN)
        if picked is not None:
            return self._step(
                Action.MOVE,
                ConversationState.IDLE,
                record=record,
                new_start=picked,
                reply=Reply(ReplyKey.MOVED, start=picked),
                reset=True,
            )
        if self.reading.start or self.reading.window:
            return self._reschedule(record)
        if is_bare_no(self.text):
            # "nein" to the offers: none of them suits; ask instead of cancelling.
            self._forget_offers()
            return self._step(
                Action.NONE,
                ConversationState.RESCHEDULE_COLLECTING,
                record=record,
                reply=Reply(ReplyKey.ASK_WHEN),
            )
        if self.reading.intent == Intent.CANCEL:
            return self._cancel(record, agreed=self._plain_cancel(record))
        retry = Reply(ReplyKey.PICK_AGAIN, start=offers[0], slots=tuple(offers))
        return self._failed(retry, ConversationState.RESCHEDULE_OFFERED)

    def _collecting(self, record: Appointment) -> Step:
        if self.reading.start or self.reading.window:
            return self._reschedule(record)
        if is_bare_no(self.text) or self.reading.intent == Intent.CONFIRM:
            # "nein danke" / "passt doch": the appointment stays as it is.
            return self._step(
                Action.NONE,
                ConversationState.IDLE,
                record=record,
                reply=Reply(ReplyKey.KEPT, start=record.start),
                reset=True,
            )
        if self.reading.intent == Intent.CANCEL:
            return self._cancel(record, agreed=self._plain_cancel(record))
        return self._failed(Reply(ReplyKey.ASK_WHEN), ConversationState.RESCHEDULE_COLLECTING)

    def _cancel_asked(self, record: Appointment) -> Step:
        """The answer to "shall I cancel your appointment on …? Reply X": only the code,
        a plain yes or a plain cancel cancels; nothing else does, and nothing asks again."""
        self.context = replace(self.context, cancel_asked=None)
        if (
            is_cancel_code(self.text)
            or is_plain_yes(self.text)
            or (self.reading.intent == Intent.CANCEL and self._plain_cancel(record))
        ):
            return self._cancel(record, agreed=True)
        if is_bare_no(self.text) or self.reading.intent == Intent.CONFIRM:
            # "nein" / "no, I'll come": the appointment stays, and the customer is told so.
            return self._step(
                Action.NONE,
                ConversationState.IDLE,
                record=record,
                reply=Reply(ReplyKey.KEPT, start=record.start),
                reset=True,
            )
        if self.reading.intent == Intent.RESCHEDULE or self.reading.start or self.reading.window:
            return self._reschedule(record)  # "no, rather Friday": a move, asked as ever
        # Anything else (a question about fees, a reason, a cancel in other words again)
        # goes to a person with the appointment untouched: a business would rather have
        # someone read it than have the bot guess, and asking again could go round forever.
        return self._to_staff(Handover.NOT_UNDERSTOOD, ReplyKey.HANDED_TO_STAFF, record=record)

    def _choosing(self) -> Step:
        choices = [a for a in self.s.appointments if a.id in self.context.choices]
        chosen = self._picked_appointment(choices)
        if chosen is None:
            reply = Reply(ReplyKey.WHICH_APPOINTMENT, appointments=tuple(a.start for a in choices))
            return self._failed(reply, ConversationState.AWAITING_REPLY)
        pending = self.context.pending or PendingWish()
        self.context = replace(self.context, pending=None, choices=(), record_id=chosen.id)
        self.reading = Interpretation(pending.intent, start=pending.start, window=pending.window)
        if self.reading.intent == Intent.CANCEL:
            # The text now is the pick ("2"); whether the wish was plain was noted with it.
            return self._cancel(chosen, agreed=pending.plain)
        return self._fresh(chosen)

    # --- actions -------------------------------------------------------------

    def _cancel(self, record: Appointment, *, agreed: bool) -> Step:
        """Cancel `record` if the business allows it by text now; unless the customer
        `agreed` plainly, ask first. The window is checked before asking: a question the
        bot could not act on would only delay the hand-over."""
        hours = self.s.cancellation_window_hours
        if hours is None:
            return self._to_staff(
                Handover.CANCEL_NOT_BY_TEXT, ReplyKey.CANCEL_NOT_BY_TEXT, record=record
            )
        if self.s.now > record.start - timedelta(hours=hours):
            return self._to_staff(Handover.CANCEL_TOO_LATE, ReplyKey.CANCEL_TOO_LATE, record=record)
        if not agreed:
            return self._ask_cancel(record)
        return self._step(
            Action.CANCEL,
            ConversationState.IDLE,
            record=record,
            reply=Reply(ReplyKey.CANCELLED, start=record.start),
            reset=True,
        )

    def _ask_cancel(self, record: Appointment) -> Step:
        question = CancelQuestion(_as_it_is(record), asked_at=self.s.now)
        self.context = replace(self.context, cancel_asked=question)
        return self._step(
            Action.NONE,
            ConversationState.CANCEL_ASKED,
            record=record,
            reply=Reply(ReplyKey.ASK_CANCEL, start=record.start),
            reset=True,
        )

    def _plain_cancel(self, record: Appointment) -> bool:
        """The text asks for the cancellation and says nothing else (`conversations.plain`);
        a day it names must be the appointment's."""
        zone = self.s.now.tzinfo
        return is_plain_cancel(
            self.text, today=self.s.now.date(), appointment_day=record.start.astimezone(zone).date()
        )

    def _reschedule(self, record: Appointment) -> Step:
        availability = self.s.availability.get(record.id)
        if not record.booked or availability is None or not availability.has_opening_hours:
            return self._to_staff(
                Handover.NO_OPENING_HOURS, ReplyKey.HANDED_TO_STAFF, record=record
            )
        start, window = self.reading.start, self.reading.window
        if start is not None:
            if availability.is_free(start):
                return self._offer(record, [start], ReplyKey.OFFER_EXACT)
            closed = not availability.is_open(start)
            key = ReplyKey.OFFER_CLOSED if closed else ReplyKey.OFFER_TAKEN
            return self._offer(record, availability.nearest(start), key)
        if window is not None:
            inside = availability.within(window)
            if inside:
                return self._offer(record, inside, ReplyKey.OFFER_SLOTS)
            return self._offer(record, availability.nearest(window[0]), ReplyKey.OFFER_OUTSIDE)
        self._forget_offers()
        return self._step(
            Action.NONE,
            ConversationState.RESCHEDULE_COLLECTING,
            record=record,
            reply=Reply(ReplyKey.ASK_WHEN),
        )

    def _offer(self, record: Appointment, slots: list[datetime], key: ReplyKey) -> Step:
        if not slots:
            return self._to_staff(Handover.NO_SLOTS, ReplyKey.NO_SLOTS, record=record)
        self.context = replace(
            self.context,
            offers=tuple(slots),
            offered_for=_as_it_is(record),
            offered_at=self.s.now,
            failures=0,
        )
        reply = Reply(key, start=slots[0], slots=tuple(slots))
        return self._step(
            Action.NONE, ConversationState.RESCHEDULE_OFFERED, record=record, reply=reply
        )

    def _ask_which(self) -> Step:
        wish = PendingWish(
            intent=self.reading.intent,
            plain=self.reading.intent == Intent.CANCEL and is_plain_cancel(self.text),
            start=self.reading.start,
            window=self.reading.window,
        )
        self.context = replace(
            self.context, choices=tuple(a.id for a in self.s.appointments), pending=wish
        )
        reply = Reply(
            ReplyKey.WHICH_APPOINTMENT, appointments=tuple(a.start for a in self.s.appointments)
        )
        return self._step(Action.NONE, ConversationState.AWAITING_REPLY, reply=reply)

    def _gone(self) -> Step:
        self.context = replace(self.context, record_id=None)
        if self.reading.intent in (Intent.CONFIRM, Intent.CANCEL, Intent.RESCHEDULE):
            return self._to_staff(Handover.APPOINTMENT_GONE, ReplyKey.HANDED_TO_STAFF)
        return self._to_staff(Handover.NOT_UNDERSTOOD, ReplyKey.HANDED_TO_STAFF)

    def _question_holds(self, record: Appointment) -> bool:
        """The "shall I cancel?" in the context was asked about this appointment as it is
        now, lately; otherwise it is forgotten and the text is read afresh."""
        asked = self.context.cancel_asked
        self.context = replace(self.context, cancel_asked=None)
        return (
            asked is not None
            and asked.about == _as_it_is(record)
            and self.s.now - asked.asked_at <= QUESTION_KEEPS
        )

    def _offers_hold(self, record: Appointment) -> bool:
        """The offers in the context were made for this appointment as it is now, lately."""
        offered_at = self.context.offered_at
        holds = (
            bool(self.context.offers)
            and self.context.offered_for == _as_it_is(record)
            and offered_at is not None
            and self.s.now - offered_at <= OFFERS_KEEP
        )
        if not holds:
            self._forget_offers()
        return holds

    def _forget_offers(self) -> None:
        self.context = self.context.without_offers()

    def _failed(self, retry: Reply, state: ConversationState) -> Step:
        failures = self.context.failures + 1
        if failures >= MAX_FAILURES:
            return self._to_staff(Handover.REPEATED_FAILURE, ReplyKey.HANDED_TO_STAFF)
        self.context = replace(self.context, failures=failures)
        return self._step(Action.NONE, state, reply=retry)

    def _to_staff(
        self, why: Handover, key: ReplyKey | None, record: Appointment | None = None
    ) -> Step:
        reply = Reply(key, start=record.start if record else None) if key else None
        return self._step(
            Action.HAND_TO_STAFF,
            ConversationState.HANDED_TO_STAFF,
            reply=reply,
            needs_staff=True,
            handover=why,
            reset=True,
        )

    def _step(
        self,
        action: Action,
        state: ConversationState,
        *,
        record: Appointment | None = None,
        new_start: datetime | None = None,
        reply: Reply | None = None,
        needs_staff: bool = False,
        handover: Handover | None = None,
        reset: bool = False,
    ) -> Step:
        context = self.context
        if reset:
            context = context.settled(keep_question=state == ConversationState.CANCEL_ASKED)
        if record is not None:
            context = replace(context, record_id=record.id)
        return Step(
            action=action,
            state=state,
            context=context,
            record_id=record.id if record else None,
            new_start=new_start,
            reply=reply,
            needs_staff=needs_staff,
            handover=handover,
            carrier_opt_in=self.opted_in,
        )

    # --- reading answers -----------------------------------------------------

    def _appointment_in_question(self) -> Appointment | None:
        """The appointment this exchange is about: the one the last notice (or the bot's
        last question) was about, else the customer's only one. None when that
        appointment is no longer upcoming, or when there are several to choose from."""
        focus = self.context.record_id
        if focus is not None:
            return next((a for a in self.s.appointments if a.id == focus), None)
        return self.s.appointments[0] if len(self.s.appointments) == 1 else None

    def _picked_offer(self, offers: list[datetime]) -> datetime | None:
        number = picked_number(self.text, len(offers))
        if number is not None:
            return offers[number - 1]
        if self.reading.intent == Intent.CONFIRM and len(offers) == 1:
            return offers[0]
        if self.reading.start is not None:
            if self.reading.start in offers:
                return self.reading.start
            # "15 Uhr" alone is read on the appointment's day; match it by clock time.
            wished = self.reading.start
            same_time = [o for o in offers if o.astimezone(wished.tzinfo).time() == wished.time()]
            if len(same_time) == 1:
                return same_time[0]
        return None

    def _picked_appointment(self, choices: list[Appointment]) -> Appointment | None:
        number = picked_number(self.text, len(choices))
        if number is not None:
            return choices[number - 1]
        named = self.reading.start or (self.reading.window[0] if self.reading.window else None)
        if named is not None:
            same_day = [
                a for a in choices if a.start.astimezone(named.tzinfo).date() == named.date()
            ]
            if len(same_day) == 1:
                return same_day[0]
        return None


def _as_it_is(record: Appointment) -> AppointmentVersion:
    return AppointmentVersion(record.id, record.version)

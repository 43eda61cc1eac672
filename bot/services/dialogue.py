"""The bot's side of a conversation: run the pure state machine (`conversations.step`) on a
stored message with the facts it needs, carry out its `Step` through the domain services,
move the conversation along the inbox's life cycle and queue the reply in the customer's
language. Flushes, never commits."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    AppointmentStatus,
    Author,
    Business,
    CancelledBy,
    ContactAddress,
    Conversation,
    Customer,
    InboxStatus,
    Message,
    Record,
    Template,
)
from bot.services.availability import availability_for
from bot.services.commands import RecordChanges
from bot.services.records import confirm_by_customer, upcoming_appointments, update_record
from conversations import (
    Action,
    Appointment,
    ConversationContext,
    Interpretation,
    Reply,
    Situation,
    Step,
    carrier_interpretation,
    inbox,
    interpret,
    step,
)
from conversations.language import guess_language
from conversations.slots import Availability
from outbound.messages import queue_message
from outbound.notice_variables import notice_context
from outbound.policy.rendering import (
    RenderError,
    TextTemplate,
    default_template,
    render,
    resolve_locale,
    time_variables,
)
from outbound.policy.vocabulary import ADDRESS_KINDS, Channel, WebhookEvent
from outbound.webhook_events import (
    address_data,
    conversation_data,
    record_data,
    record_event,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """What the bot made of one message and did about it."""

    interpretation: Interpretation
    step: Step
    reply: Message | None  # the queued reply, if any


def respond(
    session: Session,
    business: Business,
    conversation: Conversation,
    *,
    text: str,
    channel: Channel,
    sender: str,
    recipient: str,
    address: ContactAddress | None,
    opt_out_type: str | None,
    now: datetime,
) -> Turn:
    """Read `text` from `sender` in `conversation`, act on it and queue the reply,
    which goes back from `recipient`, the address the customer wrote to (the
    number, WhatsApp sender or Messenger page)."""
    customer = address.customer if address is not None else None
    local_now = now.astimezone(ZoneInfo(business.timezone))
    records = upcoming_appointments(session, business, customer.id, now=now) if customer else []
    context = _without_past_focus(session, conversation.context, now)
    about = context.record_id
    focus = next((r for r in records if r.id == about), records[0] if records else None)
    locale = _reply_locale(business, customer, text)
    reading = carrier_interpretation(opt_out_type, text) or interpret(
        text, now=local_now, locale=locale, appointment_start=focus.starts_at if focus else None
    )
    situation = Situation(
        now=local_now,
        state=conversation.state,
        context=context,
        known_sender=customer is not None,
        appointments=tuple(
            Appointment(
                r.id, r.starts_at, booked=r.status == AppointmentStatus.CONFIRMED, version=r.version
            )
            for r in records
        ),
        availability=_DiaryOnDemand(session, business, records, now),
        cancellation_window_hours=business.cancellation_window_hours,
        staff_holds=inbox.staff_holds(conversation.inbox_status),
        staff_awaits_answer=inbox.staff_awaits_answer(conversation.inbox_status),
    )
    decided = step(text, reading, situation)
    record = next((r for r in records if r.id == decided.record_id), None)
    address = _apply(session, business, decided, record, channel, address, now)

    conversation.state = decided.state
    conversation.context = decided.context
    if _file_for_staff(conversation, decided):
        record_event(
            session,
            business,
            WebhookEvent.CONVERSATION_HANDED_OVER,
            conversation_data(conversation),
            now,
        )

    reply = None
    # An opted-out address gets nothing, whatever it writes, until it opts in again.
    if decided.reply is not None and not _opted_out(address, channel):
        body = reply_text(session, decided.reply, business, customer, record or focus, locale)
        reply = queue_message(
            session,
            business,
            channel=channel,
            to_address=sender,
            from_address=recipient,
            body=body,
            author=Author.BOT,
            conversation=conversation,
        )
    return Turn(reading, decided, reply)


def _reply_locale(business: Business, customer: Customer | None, text: str) -> str:
    """The language to read `text` in and answer it in: the one it is clearly written in,
    else the customer's, else the business's. A known customer whose locale staff did not
    set keeps the language they write in, so later notices follow it too; a text too short
    to tell ("ok", "ja") changes nothing."""
    stored = resolve_locale(customer.locale if customer else None, business.locale)
    written = guess_language(text)
    if written is None:
        return stored
    if customer is not None and not customer.locale_set_by_staff and written != stored:
        customer.locale = written
    return written


def _file_for_staff(conversation: Conversation, decided: Step) -> bool:
    """Move the conversation along the inbox's life cycle after the customer's text,
    keeping why the bot handed it over; True when the bot handed it to staff just now."""
    status = inbox.after_customer_text(conversation.inbox_status, handed_over=decided.needs_staff)
    conversation.snoozed_until = None  # a text ends any snooze
    if status != InboxStatus.BOT:
        # Unread for staff: a text the bot handled on its own asks nothing of them.
        conversation.unread_count += 1
    handed_over = decided.handover is not None and status != conversation.inbox_status
    if decided.handover is not None:
        conversation.handover_reason = decided.handover.value
    elif status != conversation.inbox_status:
        conversation.handover_reason = None  # reopened by the customer, not by the bot
    conversation.inbox_status = status
    return handed_over


class _DiaryOnDemand(Mapping):
    """Each appointment's availability, read from the diary only when the machine asks:
    most messages ("ja", STOP, questions) never need it, and the webhook must be quick."""

    def __init__(self, session: Session, business: Business, records: list, now: datetime):
        self._args = (session, business, now)
        self._records = {record.id: record for record in records}
        self._read: dict[int, Availability | None] = {}

    def __getitem__(self, record_id: int) -> Availability:
        if record_id not in self._records:
            raise KeyError(record_id)
        if record_id not in self._read:
            session, business, now = self._args
            record = self._records[record_id]
            self._read[record_id] = availability_for(session, business, record, now=now)
        if self._read[record_id] is None:
            raise KeyError(record_id)  # no location to go by: no availability
        return self._read[record_id]

    def __iter__(self):
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def _without_past_focus(
    session: Session, context: ConversationContext, now: datetime
) -> ConversationContext:
    """The context without its record when that appointment is over: an exchange about
    last week's visit says nothing about the next one. A record that is still in the
    future but no longer upcoming (cancelled by staff) stays, so the machine can tell."""
    about = context.record_id
    if about is None:
        return context
    record = session.get(Record, about)
    if record is None or record.starts_at is None or record.starts_at <= now:
        return replace(context, record_id=None)
    return context


def reply_text(
    session: Session,
    reply: Reply,
    business: Business,
    customer: Customer | None,
    record: Record | None,
    locale: str,
) -> str:
    """The bot's reply in `locale`: the business's own text if it has one, else the
    default. A business text that no longer renders falls back to the default, because
    the customer must get an answer; the error is logged for staff."""
    context = notice_context(business, customer, record, locale)
    context.update(_reply_variables(reply, business, locale))
    row = session.scalar(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == reply.key.value,
            Template.channel == Channel.SMS,
            Template.locale == locale,
        )
    )
    if row is not None:
        try:
            return render(TextTemplate(body=row.body), context).body
        except RenderError as error:
            log.error("business %s reply %r does not render: %s", business.id, reply.key, error)
    return render(default_template(reply.key.value, Channel.SMS, locale), context).body


def _reply_variables(reply: Reply, business: Business, locale: str) -> dict:
    zone = business.timezone
    return {
        "new": time_variables(reply.start, zone, locale),
        "slots": [time_variables(slot, zone, locale) for slot in reply.slots],
        "appointments": [time_variables(start, zone, locale) for start in reply.appointments],
        "window_hours": business.cancellation_window_hours,
    }


def _apply(
    session: Session,
    business: Business,
    decided: Step,
    record: Record | None,
    channel: Channel,
    address: ContactAddress | None,
    now: datetime,
) -> ContactAddress | None:
    """Carry out the step's action and record the event it makes for the business's
    webhooks; returns the sender's address as it now stands."""
    if decided.action == Action.CONFIRM and record is not None:
        if confirm_by_customer(record, now=now):
            _record_event(session, business, WebhookEvent.RECORD_CONFIRMED_BY_CUSTOMER, record, now)
    elif decided.action == Action.CANCEL and record is not None:
        update_record(
            session,
            business,
            record,
            RecordChanges(status=AppointmentStatus.CANCELLED.value),
            now=now,
            notify=False,  # the reply has told the customer
            cancelled_by=CancelledBy.CUSTOMER,  # which tells the business's webhooks
        )
    elif decided.action == Action.MOVE and record is not None:
        previous_start = record.starts_at
        update_record(
            session,
            business,
            record,
            RecordChanges(starts_at=decided.new_start),
            now=now,
            notify=False,
        )
        _record_event(
            session,
            business,
            WebhookEvent.RECORD_RESCHEDULED_BY_CUSTOMER,
            record,
            now,
            previous_starts_at=previous_start.isoformat() if previous_start else None,
        )
    elif decided.action == Action.RECORD_OPT_OUT:
        if address is not None and address.opted_out_at is None:
            address.opted_out_at = now
            record_event(
                session, business, WebhookEvent.CUSTOMER_OPTED_OUT, address_data(address), now
            )
    if (decided.action == Action.CLEAR_OPT_OUT or decided.carrier_opt_in) and address is not None:
        if address.kind == ADDRESS_KINDS[channel] and address.opted_out_at is not None:
            address.opted_out_at = None
            record_event(
                session, business, WebhookEvent.CUSTOMER_OPTED_IN, address_data(address), now
            )
    return address


def _record_event(
    session: Session,
    business: Business,
    event_type: WebhookEvent,
    record: Record,
    now: datetime,
    **extra: object,
) -> None:
    record_event(session, business, event_type, record_data(record, **extra), now)


def _opted_out(address: ContactAddress | None, channel: Channel) -> bool:
    return (
        address is not None
        and address.kind == ADDRESS_KINDS[channel]
        and address.opted_out_at is not None
    )

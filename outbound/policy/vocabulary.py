"""The vocabulary every layer shares, as plain `str` enums with no dependencies: record kinds
and statuses, channels and the address kinds they deliver to, triggers, notices, notification
and message states, rebook modes, conversation states, and the outgoing webhooks' events and
delivery states."""

from __future__ import annotations

import enum


class RecordKind(enum.StrEnum):
    APPOINTMENT = "appointment"  # a booking in the calendar
    ORDER = "order"  # a work order (repair); may have no scheduled time
    INQUIRY = "inquiry"  # a customer's question or request; may have no time


class AppointmentStatus(enum.StrEnum):
    PENDING = "pending"  # requested online, awaiting the business's decision
    CONFIRMED = "confirmed"  # booked; the normal state of a staff-made appointment
    REJECTED = "rejected"  # the business declined the request
    CANCELLED = "cancelled"  # cancelled by the business or the customer
    COMPLETED = "completed"  # the visit took place
    NO_SHOW = "no_show"  # the customer did not come


# An appointment that still stands: a request counts as a booking.
BOOKED_APPOINTMENT_STATUSES = frozenset({AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING})
# An appointment that is over one way or another: nothing more is sent about it.
CLOSED_APPOINTMENT_STATUSES = frozenset(
    {
        AppointmentStatus.CANCELLED,
        AppointmentStatus.REJECTED,
        AppointmentStatus.COMPLETED,
        AppointmentStatus.NO_SHOW,
    }
)


class Channel(enum.StrEnum):
    """A way a message actually travels."""

    SMS = "sms"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"


class AddressKind(enum.StrEnum):
    """What a stored contact address is; opt-outs are kept per address."""

    TEL = "tel"  # SMS to an E.164 number
    WHATSAPP = "whatsapp"  # WhatsApp on an E.164 number
    MESSENGER = "messenger"  # Facebook Messenger page-scoped id


# The kind of contact address each messaging channel delivers to (email has none).
ADDRESS_KINDS = {
    Channel.SMS: AddressKind.TEL,
    Channel.WHATSAPP: AddressKind.WHATSAPP,
    Channel.MESSENGER: AddressKind.MESSENGER,
}
# The channel a kind of address is written to on.
ADDRESS_CHANNELS = {kind: channel for channel, kind in ADDRESS_KINDS.items()}


class ChannelChoice(enum.StrEnum):
    """What a rule asks for; resolved to one or more `Channel`s per customer."""

    AUTO = "auto"  # email with consent, else SMS (R0.1, docs/ARCHITECTURE.md, "Domain")
    SMS = "sms"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    SMS_AND_EMAIL = "sms_and_email"


class Trigger(enum.StrEnum):
    """The domain event a notification rule reacts to (R4.2, R3.1)."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    STATUS_CHANGED_TO = "status_changed_to"
    TIME_CHANGED = "time_changed"
    REMINDER = "reminder"
    REBOOK = "rebook"
    REQUEST_RECEIVED = "request_received"


class Audience(enum.StrEnum):
    CUSTOMER = "customer"  # the record's customer
    BUSINESS = "business"  # the business itself (R1.9, R3.4)


class Notice(enum.StrEnum):
    """The kind of text a notification carries; names the default template."""

    CONFIRMATION = "confirmation"
    PENDING = "pending"
    REJECTED = "rejected"
    CANCELLATION = "cancellation"
    CHANGE = "change"
    REMINDER = "reminder"
    REQUEST_RECEIVED = "request_received"
    NEW_BOOKING_FOR_BUSINESS = "new_booking_for_business"
    REBOOK = "rebook"
    ORDER_STATUS = "order_status"


class RebookMode(enum.StrEnum):
    """How a rebook rule counts its days."""

    AFTER_VISIT = "after_visit"  # N days after the last visit
    PREDICTED = "predicted"  # N days before the customer is "at risk"


class NotificationStatus(enum.StrEnum):
    """Lifecycle of one outbox row."""

    SCHEDULED = "scheduled"  # planned; waits for due_at
    QUEUED = "queued"  # claimed by a dispatcher tick, job enqueued, lease running
    SENDING = "sending"  # a worker is handing it to the transport
    SENT = "sent"  # the transport accepted it; its Message tracks delivery
    DELIVERED = "delivered"  # the carrier confirmed delivery (SMS) / SMTP accepted (email)
    FAILED = "failed"  # permanently failed; `reason` says why
    CANCELLED = "cancelled"  # withdrawn before sending (record deleted, rule disabled)
    SKIPPED = "skipped"  # not sent on purpose; `reason` says why (no consent, SMS off …)


OPEN_NOTIFICATION_STATUSES = (
    NotificationStatus.SCHEDULED,
    NotificationStatus.QUEUED,
    NotificationStatus.SENDING,
)


class MessageStatus(enum.StrEnum):
    """Delivery state of one message, as a one-way ladder (callbacks arrive unordered:
    docs/PLATFORM.md)."""

    RECEIVED = "received"  # inbound, stored
    QUEUED = "queued"  # outbound, waiting for the transport
    ACCEPTED = "accepted"  # handed to the provider (Twilio "accepted"/"queued"/"sending")
    SENT = "sent"  # the provider passed it to the carrier
    DELIVERED = "delivered"  # the carrier confirmed delivery; terminal
    UNDELIVERED = "undelivered"  # the carrier could not deliver; terminal
    FAILED = "failed"  # the provider refused or failed it; terminal
    READ = "read"  # WhatsApp read receipt; terminal
    NOTE = "note"  # a private note staff keep in a conversation: never sent


# Rank on the ladder: a callback may only move a message up, never back down.
MESSAGE_STATUS_RANK = {
    MessageStatus.RECEIVED: 0,
    MessageStatus.QUEUED: 0,
    MessageStatus.ACCEPTED: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.READ: 4,
    MessageStatus.NOTE: 4,  # no callback ever names a note
}

# Twilio's status words mapped onto our ladder.
TWILIO_STATUS = {
    "accepted": MessageStatus.ACCEPTED,
    "scheduled": MessageStatus.ACCEPTED,
    "queued": MessageStatus.ACCEPTED,
    "sending": MessageStatus.ACCEPTED,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
    "read": MessageStatus.READ,
}


def advance_status(current: MessageStatus, reported: MessageStatus) -> MessageStatus:
    """Return the status a message should have after a provider reports `reported`.

    Statuses only climb the ladder; a late "sent" after "delivered" changes nothing.
    """
    if MESSAGE_STATUS_RANK[reported] > MESSAGE_STATUS_RANK[current]:
        return reported
    return current


class ConversationState(enum.StrEnum):
    """Where a conversation with a customer stands: what the bot waits for."""

    IDLE = "idle"  # nothing asked, nothing pending
    AWAITING_REPLY = "awaiting_reply"  # a notice went out, or the bot asked "which one?"
    RESCHEDULE_COLLECTING = "reschedule_collecting"  # asked "when would suit you?"
    RESCHEDULE_OFFERED = "reschedule_offered"  # offered one exact time, or numbered slots
    CANCEL_ASKED = "cancel_asked"  # asked "shall I cancel …?" before cancelling
    HANDED_TO_STAFF = "handed_to_staff"  # the bot stays quiet until staff resolve it


class WebhookEvent(enum.StrEnum):
    """What an outgoing webhook tells a business's own system (its `type`)."""

    RECORD_CONFIRMED_BY_CUSTOMER = "record.confirmed_by_customer"  # the customer said yes
    RECORD_CANCELLED_BY_CUSTOMER = "record.cancelled_by_customer"  # cancelled by text or link
    RECORD_RESCHEDULED_BY_CUSTOMER = "record.rescheduled_by_customer"  # moved to a time they took
    CUSTOMER_OPTED_OUT = "customer.opted_out"  # STOP or a local opt-out phrase, per channel
    CUSTOMER_OPTED_IN = "customer.opted_in"  # START (or a bare YES) after an opt-out
    MESSAGE_RECEIVED = "message.received"  # a customer's text was stored
    CONVERSATION_HANDED_OVER = "conversation.handed_over"  # the bot passed it to staff
    NOTIFICATION_FAILED = "notification.failed"  # a notice failed for good


class WebhookDeliveryStatus(enum.StrEnum):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "pending"  # waits for its (next) try at next_attempt_at, or is being sent
    SUCCEEDED = "succeeded"  # the endpoint answered 2xx; terminal
    FAILED = "failed"  # every try failed, or the endpoint can no longer be called; terminal

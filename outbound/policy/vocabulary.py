"""The words the outbound side speaks: channels, triggers, notices, statuses.

These are plain `str` enums with no dependencies, shared by the pure planning
code, the dispatcher and the database models (which store their values).
"""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    """A way a message actually travels."""

    SMS = "sms"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"


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

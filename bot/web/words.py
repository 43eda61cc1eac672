"""The web app's words for the product's vocabulary: channels, notices, message and
notification states, record kinds and statuses, triggers, in the user's language.

Every page that names one of these values takes its words from here, so the inbox,
the appointments, the rules and the customers say "reminder" or "skipped" the same
way. The values are lazy strings: they are translated when a page renders them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from bot.models import AddressKind, AppointmentStatus, InboxStatus, RecordKind
from outbound.vocabulary import (
    Audience,
    Channel,
    ChannelChoice,
    MessageStatus,
    Notice,
    NotificationStatus,
    Trigger,
)

STATUS_WORDS = {
    MessageStatus.RECEIVED: _l("received"),
    MessageStatus.QUEUED: _l("queued"),
    MessageStatus.ACCEPTED: _l("accepted"),
    MessageStatus.SENT: _l("sent"),
    MessageStatus.DELIVERED: _l("delivered"),
    MessageStatus.UNDELIVERED: _l("undelivered"),
    MessageStatus.FAILED: _l("failed"),
    MessageStatus.READ: _l("read"),
    MessageStatus.NOTE: _l("private note"),
}
INBOX_STATUS_WORDS = {
    InboxStatus.BOT: _l("with the bot"),
    InboxStatus.OPEN: _l("open"),
    InboxStatus.PENDING: _l("pending"),
    InboxStatus.SNOOZED: _l("snoozed"),
    InboxStatus.RESOLVED: _l("resolved"),
}
CHANNEL_WORDS = {
    Channel.SMS: _l("SMS"),
    Channel.EMAIL: _l("Email"),
    Channel.WHATSAPP: _l("WhatsApp"),
    Channel.MESSENGER: _l("Messenger"),
}
NOTICE_WORDS = {
    Notice.CONFIRMATION: _l("booking confirmation"),
    Notice.PENDING: _l("request pending"),
    Notice.REJECTED: _l("request declined"),
    Notice.CANCELLATION: _l("cancellation"),
    Notice.CHANGE: _l("change"),
    Notice.REMINDER: _l("reminder"),
    Notice.REQUEST_RECEIVED: _l("request received"),
    Notice.NEW_BOOKING_FOR_BUSINESS: _l("new booking (to the business)"),
    Notice.REBOOK: _l("rebooking nudge"),
    Notice.ORDER_STATUS: _l("order status"),
}
NOTIFICATION_STATUS_WORDS = {
    NotificationStatus.SCHEDULED: _l("scheduled"),
    NotificationStatus.QUEUED: _l("queued"),
    NotificationStatus.SENDING: _l("sending"),
    NotificationStatus.SENT: _l("sent"),
    NotificationStatus.DELIVERED: _l("delivered"),
    NotificationStatus.FAILED: _l("failed"),
    NotificationStatus.CANCELLED: _l("withdrawn"),
    NotificationStatus.SKIPPED: _l("skipped"),
}
ADDRESS_WORDS = {
    AddressKind.TEL: _l("Phone"),
    AddressKind.WHATSAPP: _l("WhatsApp"),
    AddressKind.MESSENGER: _l("Messenger"),
}
RECORD_KIND_WORDS = {
    RecordKind.APPOINTMENT: _l("appointment"),
    RecordKind.ORDER: _l("order"),
    RecordKind.INQUIRY: _l("inquiry"),
}
APPOINTMENT_STATUS_WORDS = {
    AppointmentStatus.PENDING: _l("requested"),
    AppointmentStatus.CONFIRMED: _l("confirmed"),
    AppointmentStatus.REJECTED: _l("declined"),
    AppointmentStatus.CANCELLED: _l("cancelled"),
    AppointmentStatus.COMPLETED: _l("completed"),
    AppointmentStatus.NO_SHOW: _l("no-show"),
}
TRIGGER_WORDS = {
    Trigger.CREATED: _l("created"),
    Trigger.STATUS_CHANGED: _l("status changed"),
    Trigger.STATUS_CHANGED_TO: _l("status changed to …"),
    Trigger.TIME_CHANGED: _l("time changed"),
    Trigger.REMINDER: _l("reminder before the start"),
    Trigger.REBOOK: _l("time to book again"),
    Trigger.REQUEST_RECEIVED: _l("online request received"),
}
CHANNEL_CHOICE_WORDS = {
    ChannelChoice.AUTO: _l("automatic (email with consent, else SMS)"),
    ChannelChoice.SMS: _l("SMS"),
    ChannelChoice.EMAIL: _l("Email"),
    ChannelChoice.WHATSAPP: _l("WhatsApp"),
    ChannelChoice.SMS_AND_EMAIL: _l("SMS and email"),
}
AUDIENCE_WORDS = {
    Audience.CUSTOMER: _l("the customer"),
    Audience.BUSINESS: _l("the business"),
}

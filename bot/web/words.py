"""The web app's words for the product's vocabulary (channels, notices, message and
notification states, record kinds and statuses, triggers, outgoing webhook events and their
deliveries' states) in the user's language, so every page names them the same way; lazy
strings, translated when a page renders them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bot.models import AddressKind, AppointmentStatus, InboxStatus, RecordKind
from outbound.policy.vocabulary import (
    Audience,
    Channel,
    ChannelChoice,
    MessageStatus,
    Notice,
    NotificationStatus,
    Trigger,
    WebhookDeliveryStatus,
    WebhookEvent,
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

# Each outgoing webhook event in the owner's words, in the order the forms offer them.
WEBHOOK_EVENT_WORDS = {
    WebhookEvent.MESSAGE_RECEIVED: _l("A customer's text came in"),
    WebhookEvent.RECORD_CONFIRMED_BY_CUSTOMER: _l("A customer confirmed by text"),
    WebhookEvent.RECORD_CANCELLED_BY_CUSTOMER: _l("A customer cancelled by text or link"),
    WebhookEvent.RECORD_RESCHEDULED_BY_CUSTOMER: _l("A customer took a new time offered"),
    WebhookEvent.CUSTOMER_OPTED_OUT: _l("A customer opted out (STOP)"),
    WebhookEvent.CUSTOMER_OPTED_IN: _l("A customer opted in again (START)"),
    WebhookEvent.CONVERSATION_HANDED_OVER: _l("The bot handed a conversation to the team"),
    WebhookEvent.NOTIFICATION_FAILED: _l("A notice failed for good"),
}
WEBHOOK_DELIVERY_STATUS_WORDS = {
    WebhookDeliveryStatus.SUCCEEDED: _l("delivered"),
    WebhookDeliveryStatus.PENDING: _l("waiting"),
    WebhookDeliveryStatus.FAILED: _l("failed"),
}


def status_word(kind: str, code: str, labels: Mapping[str, Mapping[str, str]]) -> str:
    """A record's status in words: an appointment's in the product's words, an order's
    or inquiry's by the business's label (`labels[kind][code]`, read once per page from
    `bot.services.statuses.list_statuses`), else its code (one the business deleted)."""
    if kind == RecordKind.APPOINTMENT:
        return str(APPOINTMENT_STATUS_WORDS.get(code, code))
    return str(labels.get(kind, {}).get(code, code))


def moment_words(moment: datetime | None) -> str:
    """A date and time in the business's zone (Flask-Babel's timezone_selector), the date
    as the user's language writes it, the time on the 24-hour clock: "Dec 24, 2026 14:30",
    "24.12.2026 14:30"."""
    if moment is None:
        return ""
    return f"{format_date(moment, 'medium')} {format_time(moment, 'HH:mm')}"


def told_words(notify: bool, planned: list[tuple[str, str]]) -> str:
    """What a change planned for the customer, in words: `planned` is (notice, channel)
    as `bot.services.records.planned_customer_notices` gives them."""
    if not notify:
        return _("The customer is not told.")
    if not planned:
        return _("No message goes to the customer for this change.")
    notices = ", ".join(
        f"{NOTICE_WORDS.get(notice, notice)} ({CHANNEL_WORDS.get(channel, channel)})"
        for notice, channel in planned
    )
    return _("The customer is told. They get: %(notices)s.", notices=notices)


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

# Why a notice was skipped or withdrawn, as the outbox stores it (in English, for logs
# and the API), in the user's language; a reason not listed here is shown as stored.
REASON_WORDS = {
    "SMS is switched off for this business": _l("SMS is switched off for this business"),
    "customer has no phone number": _l("the customer has no phone number"),
    "customer's phone number is not a mobile number": _l(
        "the customer's phone number is not a mobile number"
    ),
    "customer has no SMS consent": _l("the customer has not agreed to texts"),
    "customer has no email address": _l("the customer has no email address"),
    "customer has no email consent": _l("the customer has not agreed to emails"),
    "customer has no WhatsApp address": _l("the customer has no WhatsApp number"),
    "customer has no Messenger address": _l("the customer has no Messenger address"),
    "business has no notification email address": _l(
        "the business has no email address for notices"
    ),
    "the customer no longer exists": _l("the customer no longer exists"),
    "the record no longer exists": _l("the record no longer exists"),
    "the location has no working hours to send in": _l(
        "the location has no working hours to send in"
    ),
    "the location is not open again before the appointment": _l(
        "the location does not open again before the appointment"
    ),
    "customer booked online and has not accepted the privacy policy yet": _l(
        "the customer booked online and has not accepted the privacy policy yet"
    ),
    "appointment was moved to another time": _l("the appointment was moved to another time"),
    "appointment is cancelled": _l("the appointment is cancelled"),
    "appointment is rejected": _l("the request was declined"),
    "appointment is completed": _l("the appointment is over"),
    "appointment is no_show": _l("the customer did not come"),
    "rule deleted": _l("the rule was deleted"),
    "appointment was cancelled": _l("the appointment was cancelled"),
    "appointment request was declined": _l("the request was declined"),
    "appointment has already taken place": _l("the appointment has already taken place"),
    "appointment is over (no-show)": _l("the appointment is over (the customer did not come)"),
    "customer has no visit yet": _l("the customer has no visit yet"),
    "the visit no longer exists": _l("the visit no longer exists"),
    "rebook nudges are switched off": _l("reminders to book again are switched off"),
    "the rule now sends this nudge on one channel": _l(
        "the rule now sends this reminder on one channel"
    ),
}
NO_CHANNEL = "no channel: "
# Reasons that carry a day or a lead time, by their stored English form.
_DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"
PATTERNED_REASONS = (
    (
        re.compile(rf"customer already has an appointment on {_DAY}"),
        _l("the customer already has an appointment on %(day)s"),
    ),
    (
        re.compile(rf"customer visited again on {_DAY}"),
        _l("the customer came again on %(day)s"),
    ),
    (re.compile(rf"the visit was moved to {_DAY}"), _l("the visit was moved to %(day)s")),
    (
        re.compile(rf"the visit on {_DAY} is now (?P<status>\w+)"),
        _l("the visit on %(day)s is now %(status)s"),
    ),
    (
        re.compile(
            r"appointment was booked after the reminder time "
            r"\((?P<count>\d+) (?P<unit>days|hours|minutes) before the start\)"
        ),
        _l("the appointment was booked after the reminder time (%(lead)s before the start)"),
    ),
)


def reason_in_words(reason: str) -> str:
    """A notice's stored reason in the user's language, part by part ("no channel: A; B"
    names why neither email nor SMS could be used)."""
    prefix = ""
    if reason.startswith(NO_CHANNEL):
        prefix, reason = _("no way to reach the customer:") + " ", reason[len(NO_CHANNEL) :]
    return prefix + "; ".join(_reason_part(part) for part in reason.split("; "))


def _reason_part(part: str) -> str:
    if part in REASON_WORDS:
        return str(REASON_WORDS[part])
    for pattern, words in PATTERNED_REASONS:
        found = pattern.fullmatch(part)
        if found:
            return words % _reason_values(found.groupdict())
    return part


def _reason_values(found: dict[str, str]) -> dict[str, str]:
    """A patterned reason's parts in the user's language: the day as a date, the
    status in words, the lead as a number of days, hours or minutes."""
    values = dict(found)
    if "day" in found:
        values["day"] = format_date(date.fromisoformat(found["day"]), "medium")
    if "status" in found:
        status = found["status"]
        values["status"] = str(APPOINTMENT_STATUS_WORDS.get(status, status))
    if "count" in found:
        count = int(found["count"])
        leads = {
            "days": ngettext("%(num)d day", "%(num)d days", count),
            "hours": ngettext("%(num)d hour", "%(num)d hours", count),
            "minutes": ngettext("%(num)d minute", "%(num)d minutes", count),
        }
        values["lead"] = leads[found["unit"]]
    return values


# --- a lead time in words: the rules page's timings, the settings' reminders ---------

# The units a lead is written in, largest first, in minutes.
LEAD_UNITS = {"days": 24 * 60, "hours": 60, "minutes": 1}


def split_minutes(minutes: int | None) -> tuple[int | None, str]:
    """Minutes as the largest unit that holds them exactly: 2880 → (2, "days"),
    1440 → (1, "days"), 90 → (90, "minutes"); 0 and None in minutes."""
    if not minutes:
        return minutes, "minutes"
    for unit, size in LEAD_UNITS.items():
        if minutes % size == 0:
            return minutes // size, unit
    return minutes, "minutes"


def lead_in_words(minutes: int | None) -> str:
    """A lead time in the largest unit that holds it exactly: "1 day", "3 hours",
    "90 minutes" (none: "0 minutes")."""
    amount, unit = split_minutes(minutes or 0)
    if unit == "days":
        return ngettext("%(num)d day", "%(num)d days", amount)
    if unit == "hours":
        return ngettext("%(num)d hour", "%(num)d hours", amount)
    return ngettext("%(num)d minute", "%(num)d minutes", amount)

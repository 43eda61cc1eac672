"""What happens to a message after it left: the provider's delivery status (which only ever
climbs), the opt-out a STOP reports, a WhatsApp refusal that sends the notice again, and the
monthly usage. Functions flush; the caller commits."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.models import Business, ContactAddress, Direction, Message, Notification
from bot.phones import normalise_sender
from outbound.policy.vocabulary import (
    ADDRESS_KINDS,
    TWILIO_STATUS,
    Channel,
    MessageStatus,
    NotificationStatus,
    WebhookEvent,
    advance_status,
)
from outbound.transports.twilio import OPTED_OUT, SESSION_EXPIRED, describe_error
from outbound.webhook_events import address_data, notification_data, record_event

# Statuses of an SMS that reached the provider (what /usage calls "sent").
REACHED_PROVIDER = (
    MessageStatus.ACCEPTED,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.UNDELIVERED,
    MessageStatus.READ,
)
_DELIVERED = (MessageStatus.DELIVERED, MessageStatus.READ)
_UNDELIVERED = (MessageStatus.UNDELIVERED, MessageStatus.FAILED)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1970, 2199  # the months usage is counted for

log = logging.getLogger(__name__)


def apply_status_callback(
    session: Session,
    *,
    message_sid: str,
    status: str,
    error_code: str | int | None = None,
    message_id: int | None = None,
    now: datetime,
) -> Message | None:
    """Apply a Twilio status callback (`MessageSid`, `MessageStatus`, `ErrorCode`).

    `message_id` is our id, which the send put into the callback URL (and so
    under Twilio's signature): a callback that overtakes the send call's own
    answer still finds its message, and records the SID. Returns the message,
    or None when none matches (not ours, or sent by another system on the same
    account) or when the id and the SID disagree (logged as a warning; nothing
    changes). A status word Twilio may add later is ignored rather than
    refused: the callback must still get a 2xx.
    """
    message = session.get(Message, message_id) if message_id is not None else None
    if message is not None and message.provider_sid not in (None, message_sid):
        # The URL and the SID disagree: trust neither, change nothing.
        log.warning(
            "status callback for message %s carries SID %s, not its own %s; ignored",
            message.id,
            message_sid,
            message.provider_sid,
        )
        return None
    if message is None or message.provider_sid is None:
        by_sid = session.scalar(select(Message).where(Message.provider_sid == message_sid))
        if message is not None and by_sid is not None:
            # The SID is another message's: storing it here would break its uniqueness.
            log.warning(
                "status callback for message %s carries SID %s, which is message %s's; ignored",
                message.id,
                message_sid,
                by_sid.id,
            )
            return None
        message = message or by_sid
    if message is None:
        return None
    if message.provider_sid is None:
        message.provider_sid = message_sid
    reported = TWILIO_STATUS.get((status or "").strip().lower())
    if reported is not None:
        record_provider_status(session, message, reported, now=now, error_code=error_code)
    elif error_code is not None and str(error_code) == OPTED_OUT:
        record_opt_out(session, message, now=now)
    return message


def record_provider_status(
    session: Session,
    message: Message,
    reported: MessageStatus,
    *,
    now: datetime,
    error_code: str | int | None = None,
) -> bool:
    """Move `message` up the ladder to `reported`, and its notification with it.

    Sets `delivered_at` and, for SMS, `billable` on delivery; keeps the error
    code of an undelivered or failed message; records an opt-out on 21610.
    Returns True when the status changed.
    """
    code = str(error_code) if error_code not in (None, "") else None
    if code == OPTED_OUT:
        record_opt_out(session, message, now=now)
    new_status = advance_status(message.status, reported)
    if new_status == message.status:
        return False
    message.status = new_status
    message.next_attempt_at = None  # the provider has it: no try is pending any more
    if new_status in _DELIVERED:
        message.delivered_at = message.delivered_at or now
        message.billable = message.channel == Channel.SMS  # R0.5
    elif new_status in _UNDELIVERED and code:
        message.error_code = code
        message.error_message = describe_error(code)
    follow_delivery(session, message, now=now)
    session.flush()
    return True


def record_opt_out(session: Session, message: Message, *, now: datetime) -> ContactAddress | None:
    """Mark the address `message` went to as opted out (keeps an earlier date), and tell
    the business's webhooks when it is new."""
    kind = ADDRESS_KINDS.get(message.channel)
    if kind is None:
        return None
    candidates = {message.to_address, normalise_sender(message.to_address)}
    address = session.scalar(
        select(ContactAddress).where(
            ContactAddress.business_id == message.business_id,
            ContactAddress.kind == kind,
            ContactAddress.value.in_(candidates),
        )
    )
    if address is not None and address.opted_out_at is None:
        address.opted_out_at = now
        record_event(
            session,
            message.business_id,
            WebhookEvent.CUSTOMER_OPTED_OUT,
            address_data(address),
            now,
        )
    return address


def monthly_usage(session: Session, business: Business, month: str) -> dict[str, int]:
    """Usage of `business` in `month` ("YYYY-MM", the business's own calendar month).

    Returns `sms_sent` (outbound SMS that reached the provider),
    `sms_delivered`, `sms_billable_segments` (segments of delivered SMS,
    R0.5) and `emails_sent`. Raises DomainError(field="month") for a bad month.
    """
    _month_bounds(month, business.timezone)
    return _usage_by_month(session, business, [month])[month]


def usage_history(
    session: Session, business: Business, month: str, *, months: int = 12
) -> list[tuple[str, dict[str, int]]]:
    """`monthly_usage` of the `months` calendar months up to and including `month`,
    oldest first (months before the first countable year left out), counted in one
    query. Raises DomainError(field="month") for a bad month."""
    _month_bounds(month, business.timezone)
    shown = [shift_month(month, -back) for back in range(months - 1, -1, -1)]
    shown = [each for each in shown if FIRST_YEAR <= int(each[:4]) <= LAST_YEAR]
    usage = _usage_by_month(session, business, shown)
    return [(each, usage[each]) for each in shown]


def _usage_by_month(
    session: Session, business: Business, months: list[str]
) -> dict[str, dict[str, int]]:
    """The usage figures of consecutive `months` (oldest first), in one query: each
    outbound message is put in its month of the business's calendar by comparing its
    moment with the months' bounds in SQL, then each month's messages are summed."""
    empty = {"sms_sent": 0, "sms_delivered": 0, "sms_billable_segments": 0, "emails_sent": 0}
    usage = {each: dict(empty) for each in months}
    if not months:
        return usage
    starts = [_month_bounds(each, business.timezone)[0] for each in months]
    end = _month_bounds(months[-1], business.timezone)[1]
    when = func.coalesce(Message.sent_at, Message.created_at)
    month_index = case(
        *((when < bound, index) for index, bound in enumerate([*starts[1:], end])),
    ).label("month_index")
    # A subquery, so the grouping names the computed column rather than repeating the
    # CASE (PostgreSQL would take its bound parameters for a different expression).
    sent = (
        select(month_index, Message.channel, Message.status, Message.billable, Message.segments)
        .where(
            Message.business_id == business.id,
            Message.direction == Direction.OUTBOUND,
            when >= starts[0],
            when < end,
        )
        .subquery()
    )
    sms = sent.c.channel == Channel.SMS
    rows = session.execute(
        select(
            sent.c.month_index,
            _count(and_(sms, sent.c.status.in_(REACHED_PROVIDER))),
            _count(and_(sms, sent.c.status.in_(_DELIVERED))),
            func.coalesce(func.sum(case((and_(sms, sent.c.billable), sent.c.segments))), 0),
            _count(and_(sent.c.channel == Channel.EMAIL, sent.c.status.in_(REACHED_PROVIDER))),
        ).group_by(sent.c.month_index)
    ).all()
    for index, sms_sent, delivered, segments, emails in rows:
        usage[months[index]] = {
            "sms_sent": int(sms_sent),
            "sms_delivered": int(delivered),
            "sms_billable_segments": int(segments),
            "emails_sent": int(emails),
        }
    return usage


def shift_month(month: str, by: int) -> str:
    """The month `by` months after (before, when negative) `month`, both "YYYY-MM"."""
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + by, 12)
    return f"{year:04d}-{number + 1:02d}"


def month_of(business: Business, moment: datetime) -> str:
    """The business's calendar month `moment` falls in, as "YYYY-MM"."""
    return moment.astimezone(ZoneInfo(business.timezone)).strftime("%Y-%m")


def valid_month(month: str) -> bool:
    """Whether `month` is a month `monthly_usage` counts ("YYYY-MM", years 1970 to 2199)."""
    match = _MONTH.fullmatch(month or "")
    return (
        match is not None and 1 <= int(match[2]) <= 12 and FIRST_YEAR <= int(match[1]) <= LAST_YEAR
    )


def follow_delivery(session: Session, message: Message, *, now: datetime) -> None:
    """Bring a sent notification in line with what became of its message: delivered,
    failed with the reason, or, for WhatsApp free text refused outside the window
    (63016), back in the outbox to go as the template or by SMS. Called when a
    status arrives, and by the send job after Twilio's answer, because a callback
    can overtake that answer while the notification is not yet `sent`."""
    status, code = message.status, message.error_code
    if status not in _DELIVERED and status not in _UNDELIVERED:
        return  # nothing for the notification to follow yet; spare the send job a query
    notification = session.scalar(select(Notification).where(Notification.message_id == message.id))
    if notification is None or notification.status != NotificationStatus.SENT:
        return
    if status in _DELIVERED:
        notification.status = NotificationStatus.DELIVERED
    elif status in _UNDELIVERED and code == SESSION_EXPIRED and message.channel == Channel.WHATSAPP:
        # WhatsApp closed the window before we thought: send the notice again, now
        # routed to the approved template or SMS (`outbound.routing`); the refusal
        # is no attempt of ours.
        notification.status = NotificationStatus.SCHEDULED
        notification.due_at = now
        notification.attempts = max(0, notification.attempts - 1)
        notification.reason = (
            f"{describe_error(code)}; sending it again as a WhatsApp template or by SMS"
        )
    elif status in _UNDELIVERED:
        notification.status = NotificationStatus.FAILED
        notification.reason = describe_error(code, f"the carrier reported the message {status}")
        record_event(
            session,
            notification.business_id,
            WebhookEvent.NOTIFICATION_FAILED,
            notification_data(notification),
            now,
        )


def _count(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _month_bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    month = (month or "").strip()
    if not valid_month(month):
        raise DomainError(
            f"month must look like 2026-11 (years {FIRST_YEAR} to {LAST_YEAR}), not {month!r}",
            field="month",
        )
    year, number = int(month[:4]), int(month[5:7])
    zone = ZoneInfo(timezone)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end

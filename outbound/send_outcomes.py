"""What a send that did not go through does to its rows: a notice put back with a later
`due_at` or failed after MAX_ATTEMPTS, a queued message held (`next_attempt_at`) or failed once
MESSAGE_RETRY_WINDOW has passed, and a notice skipped for a reason. The rows' `Message` itself
is `outbound.outgoing_messages`; the two send flows that call these are `outbound.sending`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.models import Business, Message, Notification, utcnow
from outbound.delivery import record_opt_out
from outbound.outgoing_messages import fail_message, queued_message_of
from outbound.pacing import message_retry_delay, retry_delay
from outbound.policy.vocabulary import NotificationStatus, WebhookEvent
from outbound.queueing import wake_dispatcher
from outbound.transports import TransientSendError
from outbound.transports.twilio import OPTED_OUT
from outbound.webhook_events import notification_data, record_event

MAX_ATTEMPTS = 6  # a notification's tries before it fails (the backoff: outbound.pacing)
MESSAGE_RETRY_WINDOW = timedelta(minutes=30)  # a message's retries stop this long after writing

log = logging.getLogger(__name__)


def put_back_notification(
    session: Session, notification: Notification, due: datetime, config: Mapping[str, Any]
) -> None:
    """Put the notification back in the outbox, due again at `due`."""
    notification.status = NotificationStatus.SCHEDULED
    notification.due_at = due
    notification.lease_until = None
    wake_dispatcher(session, config["REDIS_URL"], due)


def hold_message(
    session: Session, message: Message, until: datetime, config: Mapping[str, Any]
) -> None:
    """Keep the queued message back until `until`, when the dispatcher sends it again."""
    message.next_attempt_at = until
    wake_dispatcher(session, config["REDIS_URL"], until)


def retry_notification(
    session: Session,
    notification: Notification,
    message: Message,
    business: Business,
    error: TransientSendError,
    now: datetime,
    config: Mapping[str, Any],
    *,
    note: str | None = None,
) -> str:
    """After a transient failure: put the notification back for its next try, or fail it
    after MAX_ATTEMPTS. Commits and returns the status."""
    attempt = notification.attempts
    if attempt >= MAX_ATTEMPTS:
        return fail_notification(
            session, notification, message, f"gave up after {attempt} attempts: {error.reason}"
        )
    due = now + retry_delay(attempt, error.retry_after)
    notification.reason = (
        f"attempt {attempt} failed ({error.reason}); next try at {_local(due, business)}"
    )
    if note:  # keep saying why it goes by SMS
        notification.reason = f"{note}; {notification.reason}"
    put_back_notification(session, notification, due, config)
    session.commit()
    log.warning("notification %s: %s", notification.id, notification.reason)
    return NotificationStatus.SCHEDULED.value


def retry_message(
    session: Session,
    message: Message,
    business: Business,
    error: TransientSendError,
    now: datetime,
    config: Mapping[str, Any],
) -> None:
    """After a transient failure: hold the message for its next try, or fail it once
    MESSAGE_RETRY_WINDOW has passed since it was written. Commits."""
    age = now - message.created_at
    if age >= MESSAGE_RETRY_WINDOW:
        minutes = int(MESSAGE_RETRY_WINDOW.total_seconds() // 60)
        fail_message(message, None, f"gave up after {minutes} minutes: {error.reason}")
        log.warning("message %s: %s", message.id, message.error_message)
    else:
        due = now + message_retry_delay(age, error.retry_after)
        message.error_message = (
            f"sending failed ({error.reason}); next try at {_local(due, business)}"
        )
        hold_message(session, message, due, config)
        log.warning("message %s: %s", message.id, message.error_message)
    session.commit()


def _local(moment: datetime, business: Business) -> str:
    return f"{moment.astimezone(ZoneInfo(business.timezone)):%Y-%m-%d %H:%M:%S %Z}"


def skip_notification(session: Session, notification: Notification, reason: str) -> str:
    """Skip the notification for `reason` (with its stored message). Commits."""
    notification.status = NotificationStatus.SKIPPED
    notification.reason = reason
    notification.lease_until = None
    earlier = queued_message_of(session, notification)
    if earlier is not None:  # an earlier attempt stored it, then failed for a while
        fail_message(earlier, None, f"not sent: {reason}")
    session.commit()
    return NotificationStatus.SKIPPED.value


def fail_notification(
    session: Session,
    notification: Notification,
    message: Message | None,
    reason: str,
    *,
    code: str | None = None,
    now: datetime | None = None,
) -> str:
    """Fail the notification for `reason`, with its message and, for an opt-out the
    provider reported, the recipient's address; the business's webhooks hear of it
    (`notification.failed`). Commits."""
    notification.status = NotificationStatus.FAILED
    notification.reason = reason
    notification.lease_until = None
    message = message or queued_message_of(session, notification)
    if message is not None:
        fail_message(message, code, reason)
        if code == OPTED_OUT and now is not None:
            record_opt_out(session, message, now=now)
    record_event(
        session,
        notification.business_id,
        WebhookEvent.NOTIFICATION_FAILED,
        notification_data(notification),
        now or utcnow(),
    )
    session.commit()
    return NotificationStatus.FAILED.value

"""The inbox's snooze alarm: the RQ job, enqueued by the clock every half minute, that
reopens snoozed conversations whose time has come."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.extensions import db
from bot.models import utcnow
from bot.services.inbox import wake_snoozed as wake_snoozed_conversations
from outbound.jobs import in_app_context

log = logging.getLogger(__name__)


@in_app_context
def wake_snoozed(now_iso: str | None = None) -> int:
    """Open the snoozed inbox conversations whose snooze time has come; returns how
    many. Safe to run twice: a woken conversation is no longer snoozed.

    `now_iso` (ISO 8601 with offset) wakes as of that instant instead of the clock.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    woken = wake_snoozed_conversations(db.session, now=now)
    db.session.commit()
    if woken:
        log.info("inbox: %d snoozed conversations woke up", woken)
    return woken

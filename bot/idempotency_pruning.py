"""The pruning of the API's idempotency keys: the RQ job, enqueued by the clock every hour,
that deletes the keys older than their 24-hour window (an expired key already counts as new
when it is sent again; this keeps the table from growing)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.extensions import db
from bot.models import utcnow
from bot.services.idempotency import prune_expired_keys
from outbound.jobs import in_app_context

log = logging.getLogger(__name__)


@in_app_context
def prune_idempotency_keys(now_iso: str | None = None) -> int:
    """Delete the idempotency keys past their window; returns how many. Safe to run twice.

    `now_iso` (ISO 8601 with offset) prunes as of that instant instead of the clock.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    pruned = prune_expired_keys(db.session, now=now)
    db.session.commit()
    if pruned:
        log.info("idempotency: %d expired keys pruned", pruned)
    return pruned

"""The customer's signed links for one record as of now: the cancel link and the calendar link."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context

from bot.models import Business, Record
from outbound.policy.links import LinkPurpose, cancel_blocker, link_url
from outbound.policy.vocabulary import AppointmentStatus

# A card or calendar link for these would offer an appointment that is not happening.
NO_CALENDAR = {AppointmentStatus.CANCELLED, AppointmentStatus.REJECTED}


def customer_links(
    business: Business, record: Record | None, *, config: Mapping[str, Any], now: datetime
) -> tuple[str | None, str | None]:
    """The record's (cancel_url, calendar_url) as of `now`.

    The cancel link exists only while the customer may still cancel
    (`outbound.policy.links.cancel_blocker`: window on, not yet inside it, appointment
    still on); the calendar link while the record has a time and is not
    cancelled or declined."""
    if record is None or record.id is None:
        return None, None

    def url(purpose: LinkPurpose) -> str:
        return link_url(
            config["PUBLIC_BASE_URL"],
            config["SECRET_KEY"],
            purpose,
            record.id,
            record.version,
            now=now,
        )

    cancel_url = (
        url(LinkPurpose.CANCEL) if record_cancel_blocker(business, record, now) is None else None
    )
    has_card = record.starts_at is not None and record.status not in NO_CALENDAR
    calendar_url = url(LinkPurpose.CALENDAR) if has_card else None
    return cancel_url, calendar_url


def record_cancel_blocker(business: Business, record: Record, now: datetime) -> str | None:
    """Why the customer cannot cancel `record` themselves at `now`, in words, or None."""
    return cancel_blocker(
        window_hours=business.cancellation_window_hours,
        kind=record.kind,
        status=record.status,
        starts_at=record.starts_at,
        now=now,
    )


def app_config() -> Mapping[str, Any] | None:
    """The current app's config (the links' SECRET_KEY and PUBLIC_BASE_URL), or None
    outside an app context."""
    return current_app.config if has_app_context() else None

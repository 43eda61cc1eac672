"""The variables a notice's text may use, read from the business, customer and record rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.models import Business, Customer, Record, utcnow
from outbound.customer_links import customer_links
from outbound.policy.rendering import message_context


def notice_context(
    business: Business,
    customer: Customer | None,
    record: Record | None,
    locale: str,
    *,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The variables a notice's text may use, from the rows it is about.

    With `config` (the app's: SECRET_KEY, PUBLIC_BASE_URL) the customer's links are
    set as of `now` (default: the clock); without it `cancel_url` and
    `calendar_url` are None, as in texts for the business itself."""
    cancel_url, calendar_url = (
        customer_links(business, record, config=config, now=now or utcnow())
        if config is not None
        else (None, None)
    )
    return message_context(
        business={
            "name": business.name,
            "phone": business.sms_from,
            "email": business.email_from,
            "booking_url": business.booking_url,
            "privacy_url": business.privacy_url,
        },
        customer={
            "name": customer.name if customer else None,
            "phone": customer.phone if customer else None,
            "email": customer.email if customer else None,
        },
        starts_at=record.starts_at if record else None,
        timezone=business.timezone,
        locale=locale,
        location=(
            {"name": record.location.name, "address": record.location.address}
            if record and record.location
            else None
        ),
        staff={"name": record.staff.name} if record and record.staff else None,
        service=(
            {
                "name": record.service.name,
                "category": record.service.category,
                "duration_minutes": record.service.duration_minutes,
            }
            if record and record.service
            else None
        ),
        status=record.status if record else "",
        booking_url=business.booking_url,
        window_hours=business.cancellation_window_hours,
        cancel_url=cancel_url,
        calendar_url=calendar_url,
    )

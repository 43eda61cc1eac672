"""WhatsApp's 24-hour window: whether a notice goes as free text, an approved template or SMS."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WINDOW = timedelta(hours=24)
# Free text is only chosen while the window has this much left: a paced or
# queued message may reach WhatsApp a while after we hand it to Twilio.
WINDOW_MARGIN = timedelta(minutes=30)


class Route(enum.StrEnum):
    FREE_TEXT = "free_text"  # inside the window: the notice's own text
    TEMPLATE = "template"  # outside it: the approved template named by its Content SID
    SMS = "sms"  # outside it, no template: by SMS instead
    SKIP = "skip"  # outside it, no template, and SMS may not be used


@dataclass(frozen=True)
class RouteDecision:
    route: Route
    reason: str | None = None  # why not WhatsApp free text, in words (SMS and SKIP)
    template_id: int | None = None  # the WhatsApp template (TEMPLATE)


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether free text may go: the customer wrote less than 24 hours before `now`,
    with WINDOW_MARGIN to spare."""
    return last_inbound_at is not None and now - last_inbound_at < WINDOW - WINDOW_MARGIN


def choose_route(
    *,
    last_inbound_at: datetime | None,
    now: datetime,
    template_id: int | None,
    text_name: str,
    locale: str,
    no_sms: str | None,
    timezone: str,
    refused_at: datetime | None = None,
) -> RouteDecision:
    """How a WhatsApp notice goes out, from what is known at send time.

    `template_id` is the business's WhatsApp template with a Content SID for
    `text_name` in `locale`, if any; `no_sms` why SMS may not be used, if so;
    `refused_at` when WhatsApp last refused free text to this address (error
    63016), which closes the window whatever our clock says until the customer
    writes again; `timezone` the business's, for the times named in the reason.
    """
    zone = ZoneInfo(timezone)
    refused = refused_at is not None and (last_inbound_at is None or refused_at > last_inbound_at)
    if window_open(last_inbound_at, now) and not refused:
        return RouteDecision(Route.FREE_TEXT)
    if template_id is not None:
        return RouteDecision(Route.TEMPLATE, template_id=template_id)
    if refused:
        closed = (
            f"WhatsApp refused free text on {refused_at.astimezone(zone):%Y-%m-%d %H:%M %Z} "
            "(the customer's 24-hour window had closed, Twilio error 63016)"
        )
    elif last_inbound_at is None:
        closed = "the customer has never written on WhatsApp, so free text cannot be sent"
    else:
        closed = (
            "outside the customer's 24-hour WhatsApp window (their last WhatsApp message "
            f"came {last_inbound_at.astimezone(zone):%Y-%m-%d %H:%M %Z})"
        )
    no_template = f"there is no WhatsApp template with a Content SID for {text_name!r} in {locale}"
    if no_sms is None:
        return RouteDecision(Route.SMS, f"sent by SMS: {closed} and {no_template}")
    return RouteDecision(
        Route.SKIP, f"not sent: {closed}, {no_template}, and SMS cannot be used: {no_sms}"
    )

"""WhatsApp's 24-hour window: a notice goes as free text, as an approved template, or by SMS.

WhatsApp lets a business send free text only within 24 hours of the
customer's last message to it (Meta's customer service window); outside it
only a template Meta has approved goes through, which Twilio sends by its
Content SID with the values of its numbered placeholders, and free text fails
with error 63016. So, just before a notice goes out on WhatsApp:

- inside the window → the notice's text, as free text;
- outside it, when the business has a WhatsApp template with a Content SID for
  the notice's text name and locale → that template;
- otherwise → the notice goes by SMS when SMS may be used, and the
  notification says why ("sent by SMS: outside the customer's 24-hour WhatsApp
  window … and no WhatsApp template …"); when SMS may not be used either, it
  is skipped with both reasons.

`choose_route` decides from facts (pure); `route_for_notice` reads them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import Business, Customer, Direction, Message, Notification, Template
from bot.services.notify import contact_facts
from outbound.channels import sms_blocker
from outbound.vocabulary import Channel

WINDOW = timedelta(hours=24)
SMS_FALLBACK = "sent by SMS: "  # how a notification's reason starts when it went by SMS


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
    """Whether free text may go: the customer wrote less than 24 hours before `now`."""
    return last_inbound_at is not None and now - last_inbound_at < WINDOW


def choose_route(
    *,
    last_inbound_at: datetime | None,
    now: datetime,
    template_id: int | None,
    text_name: str,
    locale: str,
    no_sms: str | None,
    timezone: str,
) -> RouteDecision:
    """How a WhatsApp notice goes out, from what is known at send time.

    `template_id` is the business's WhatsApp template with a Content SID for
    `text_name` in `locale`, if any; `no_sms` why SMS may not be used, if so;
    `timezone` the business's, for the time named in the reason.
    """
    if window_open(last_inbound_at, now):
        return RouteDecision(Route.FREE_TEXT)
    if template_id is not None:
        return RouteDecision(Route.TEMPLATE, template_id=template_id)
    if last_inbound_at is None:
        closed = "the customer has never written on WhatsApp, so free text cannot be sent"
    else:
        written = last_inbound_at.astimezone(ZoneInfo(timezone))
        closed = (
            "outside the customer's 24-hour WhatsApp window (their last WhatsApp message "
            f"came {written:%Y-%m-%d %H:%M %Z})"
        )
    no_template = f"there is no WhatsApp template with a Content SID for {text_name!r} in {locale}"
    if no_sms is None:
        return RouteDecision(Route.SMS, f"{SMS_FALLBACK}{closed} and {no_template}")
    return RouteDecision(
        Route.SKIP, f"not sent: {closed}, {no_template}, and SMS cannot be used: {no_sms}"
    )


def sms_fallback_note(reason: str | None) -> str | None:
    """The "sent by SMS: …" part of a notification's reason, kept across retries."""
    if not reason or not reason.startswith(SMS_FALLBACK):
        return None
    return reason.split("; attempt ", 1)[0]


def route_for_notice(
    session: Session,
    notification: Notification,
    business: Business,
    customer: Customer,
    recipient: str,
    locale: str,
    *,
    now: datetime,
) -> RouteDecision:
    """`choose_route` for a customer's WhatsApp notice about to go to `recipient`
    ("whatsapp:+49…"), with the facts as they stand now."""
    names = text_names(notification)
    return choose_route(
        last_inbound_at=last_inbound_at(session, business.id, customer.id, recipient),
        now=now,
        template_id=content_template_id(session, business.id, names, locale),
        text_name=names[0],
        locale=locale,
        no_sms=sms_blocker(contact_facts(business, customer)),
        timezone=business.timezone,
    )


def text_names(notification: Notification) -> list[str]:
    """The text names a notice looks for, first the rule's own, then the notice's."""
    own = notification.template_name or notification.notice.value
    return list(dict.fromkeys((own, notification.notice.value)))


def last_inbound_at(
    session: Session, business_id: int, customer_id: int | None, address: str
) -> datetime | None:
    """When the customer last wrote to the business on WhatsApp, from this address
    or as this customer, or None when they never did."""
    who = [Message.from_address == address]
    if customer_id is not None:
        who.append(Message.customer_id == customer_id)
    return session.scalar(
        select(func.max(Message.created_at)).where(
            Message.business_id == business_id,
            Message.direction == Direction.INBOUND,
            Message.channel == Channel.WHATSAPP,
            or_(*who),
        )
    )


def content_template_id(
    session: Session, business_id: int, names: Sequence[str], locale: str
) -> int | None:
    """The business's WhatsApp template with a Content SID for the first of `names`
    that has one in `locale`, or None."""
    rows = session.execute(
        select(Template.id, Template.name).where(
            Template.business_id == business_id,
            Template.channel == Channel.WHATSAPP,
            Template.locale == locale,
            Template.name.in_(names),
            Template.content_sid.is_not(None),
        )
    ).all()
    by_name = {name: template_id for template_id, name in rows}
    return next((by_name[name] for name in names if name in by_name), None)

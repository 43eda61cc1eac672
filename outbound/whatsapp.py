"""WhatsApp's 24-hour window: a notice goes as free text, as an approved template, or by SMS.

WhatsApp lets a business send free text only within 24 hours of the
customer's last message to it (Meta's customer service window); outside it
only a template Meta has approved goes through, which Twilio sends by its
Content SID with the values of its numbered placeholders, and free text fails
with error 63016. So, just before a notice goes out on WhatsApp:

- inside the window (the customer's last WhatsApp message from that number
  came less than 23½ hours ago, leaving time for a paced send, and WhatsApp
  has not refused free text to it since) → the notice's text, as free text;
- outside it, when the business has a WhatsApp template with a Content SID for
  the notice's text name and locale → that template;
- otherwise → the notice goes by SMS when SMS may be used, and the
  notification says why ("sent by SMS: outside the customer's 24-hour WhatsApp
  window … and no WhatsApp template …"); when SMS may not be used either, it
  is skipped with both reasons.

The route is chosen again on every attempt, so a retry sees a message the
customer sent meanwhile; the notification keeps its channel (`whatsapp`) and
its Message says where it went. When Twilio reports error 63016 for free text
(WhatsApp closed the window before we thought), `outbound.delivery` puts
the notice back, and the refusal steers it to the template or SMS.

`choose_route` decides from facts (pure); `route_for_notice` reads them, and
`way_out` turns any notice into the channel, address and text source of one
attempt.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.models import Business, Customer, Direction, Message, Notification, Template
from outbound.notices import recipient_address
from outbound.planning import contact_facts
from outbound.policy.channels import sms_blocker
from outbound.policy.vocabulary import Audience, Channel
from outbound.transports.twilio import SESSION_EXPIRED

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
        last_inbound_at=_last_message_at(
            session, business.id, Direction.INBOUND, Message.from_address == recipient
        ),
        # when the refused message was last tried, not when it was first written
        refused_at=_last_message_at(
            session,
            business.id,
            Direction.OUTBOUND,
            (Message.to_address == recipient) & (Message.error_code == SESSION_EXPIRED),
            when=func.coalesce(Message.sent_at, Message.created_at),
        ),
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


def _last_message_at(
    session: Session,
    business_id: int,
    direction: Direction,
    condition: ColumnElement[bool],
    *,
    when: ColumnElement[datetime] = Message.created_at,
) -> datetime | None:
    """When (`when`) the business's last WhatsApp message in `direction` matching
    `condition` came."""
    return session.scalar(
        select(func.max(when)).where(
            Message.business_id == business_id,
            Message.direction == direction,
            Message.channel == Channel.WHATSAPP,
            condition,
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


@dataclass(frozen=True)
class Way:
    """Where this attempt of a notice goes, and how."""

    channel: Channel
    to: str
    note: str | None = None  # why a WhatsApp notice goes by SMS
    content_template: Template | None = None  # WhatsApp outside the 24-hour window
    skip_reason: str | None = None  # a WhatsApp notice that can go no way at all


def way_out(
    session: Session,
    notification: Notification,
    business: Business,
    customer: Customer | None,
    locale: str,
    now: datetime,
) -> Way:
    """The notice's own channel and address, except for a customer's WhatsApp notice,
    which is routed on every attempt (`outbound.whatsapp`): the customer may have
    written since the last one."""
    to = recipient_address(notification, business, customer)
    if notification.channel != Channel.WHATSAPP or notification.audience != Audience.CUSTOMER:
        return Way(notification.channel, to)
    decision = route_for_notice(session, notification, business, customer, to, locale, now=now)
    if decision.route == Route.SKIP:
        return Way(notification.channel, to, skip_reason=decision.reason)
    if decision.route == Route.SMS:
        sms_to = recipient_address(notification, business, customer, Channel.SMS)
        return Way(Channel.SMS, sms_to, note=decision.reason)
    if decision.route == Route.TEMPLATE:
        template = session.get(Template, decision.template_id)
        return Way(Channel.WHATSAPP, to, content_template=template)
    return Way(Channel.WHATSAPP, to)

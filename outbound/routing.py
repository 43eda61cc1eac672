"""Which way one attempt of a notice goes: its channel, its address and, on WhatsApp, its route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.models import Business, Customer, Direction, Message, Notification, Template
from outbound.planning import contact_facts
from outbound.policy.channels import sms_blocker
from outbound.policy.vocabulary import Audience, Channel
from outbound.policy.whatsapp_window import Route, RouteDecision, choose_route
from outbound.recipients import recipient_address
from outbound.transports.twilio import SESSION_EXPIRED


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
    which is routed on every attempt (`route_for_notice`): the customer may have
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

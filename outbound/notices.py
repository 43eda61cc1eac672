"""What a claimed notification says, to whom, and whether it still holds.

At send time a notice is checked again against the rows as they are now:
the record may have been cancelled or moved since it was planned, the
customer may have withdrawn consent or opted out, the business may have
switched SMS off. The reasons are in words, the same words the planner uses
(`outbound.channels`), so staff read one explanation wherever it was decided.
The text is the business's template for the notice, channel and locale, or
the shipped default, rendered with the variables of `notice_context`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.models import (
    AddressKind,
    AppointmentStatus,
    Business,
    Customer,
    Notification,
    Record,
    RecordKind,
    Template,
)
from bot.services.notify import contact_facts
from outbound.channels import ContactFacts, email_blocker, sms_blocker, whatsapp_blocker
from outbound.planner import reminder_marker
from outbound.rendering import (
    RenderedText,
    RenderError,
    TextTemplate,
    default_template,
    message_context,
    render,
    resolve_locale,
)
from outbound.vocabulary import Audience, Channel, Notice, NotificationStatus

_CLOSED = {
    AppointmentStatus.CANCELLED: "appointment was cancelled",
    AppointmentStatus.REJECTED: "appointment request was declined",
    AppointmentStatus.COMPLETED: "appointment has already taken place",
    AppointmentStatus.NO_SHOW: "appointment is over (no-show)",
}
# Notices that announce a closed status are only valid while the record has it.
_ANNOUNCES = {
    Notice.CANCELLATION: AppointmentStatus.CANCELLED,
    Notice.REJECTED: AppointmentStatus.REJECTED,
}


def notice_context(
    business: Business, customer: Customer | None, record: Record | None, locale: str
) -> dict[str, Any]:
    """The variables a notice's text may use, from the rows it is about."""
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
    )


def stale_reason(session: Session, notification: Notification, record: Record | None) -> str | None:
    """Why the notice no longer holds for its record as it is now, or None when it does.

    A cancellation or rejection notice holds only while the record has that
    status; other notices not once the appointment is closed. A reminder holds
    only for the start it was planned for (its key names it); another notice
    whose record changed since is dropped when a newer notice replaces it.
    """
    if record is None:
        return "the record no longer exists" if notification.record_id else None
    if record.kind == RecordKind.APPOINTMENT:
        announced = _ANNOUNCES.get(notification.notice)
        if announced is not None:
            if record.status != announced:
                return f"appointment is no longer {announced} (now {record.status})"
        elif record.status in _CLOSED:
            return _CLOSED[record.status]
    if notification.notice == Notice.REMINDER:
        if record.starts_at is None:
            return f"{record.kind} no longer has a time"
        if reminder_marker(record.starts_at) not in notification.idempotency_key:
            return f"{record.kind} was moved to another time"
    elif (
        notification.record_version is not None
        and notification.record_version < record.version
        and _superseded(session, notification)
    ):
        return f"{record.kind} changed again; a newer notice replaces this one"
    return None


def _superseded(session: Session, notification: Notification) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Notification.record_id == notification.record_id,
                    Notification.audience == notification.audience,
                    Notification.channel == notification.channel,
                    Notification.record_version > notification.record_version,
                    Notification.status != NotificationStatus.CANCELLED,
                    # A reminder tells the time but does not replace the news.
                    Notification.notice != Notice.REMINDER,
                )
            )
        )
    )


def recipient_blocker(
    notification: Notification, business: Business, customer: Customer | None
) -> str | None:
    """Why the recipient cannot get the notice on its channel now, or None when they can."""
    if notification.audience == Audience.BUSINESS:
        if business.notification_email or business.email_from:
            return None
        return "business has no notification email address"
    if customer is None:
        return "the customer no longer exists"
    facts = contact_facts(business, customer)
    return _channel_blocker(notification.channel, facts, customer)


def _channel_blocker(channel: Channel, facts: ContactFacts, customer: Customer) -> str | None:
    if channel == Channel.EMAIL:
        return email_blocker(facts)
    if channel == Channel.SMS:
        return sms_blocker(facts)
    if channel == Channel.WHATSAPP:
        return whatsapp_blocker(facts)
    messenger = customer.address(AddressKind.MESSENGER)
    if messenger is None:
        return "customer has no Messenger address"
    if messenger.opted_out_at is not None:
        return f"customer opted out of Messenger on {messenger.opted_out_at:%Y-%m-%d}"
    return None


def recipient_address(
    notification: Notification, business: Business, customer: Customer | None
) -> str:
    """The address the notice goes to, as its channel writes it; call after
    `recipient_blocker` said it can go."""
    if notification.audience == Audience.BUSINESS:
        return business.notification_email or business.email_from
    if notification.channel == Channel.EMAIL:
        return customer.email
    if notification.channel == Channel.SMS:
        return customer.phone
    kind = AddressKind(notification.channel.value)
    value = customer.address(kind).value
    prefix = f"{notification.channel.value}:"
    return value if value.startswith(prefix) else prefix + value


def render_notice(
    session: Session,
    notification: Notification,
    business: Business,
    customer: Customer | None,
    record: Record | None,
    locale: str,
) -> RenderedText:
    """The notice's text: the business's template for (name, channel, locale), else
    the default. Raises RenderError when there is none or it does not render."""
    name = notification.template_name or notification.notice.value
    text_channel = Channel.EMAIL if notification.channel == Channel.EMAIL else Channel.SMS
    row = session.scalar(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == name,
            Template.channel == text_channel,
            Template.locale == locale,
        )
    )
    if row is not None:
        template = TextTemplate(body=row.body, subject=row.subject)
    else:
        template = None
        for candidate in dict.fromkeys((name, notification.notice.value)):
            try:
                template = default_template(candidate, text_channel, locale)
                break
            except KeyError:
                continue
        if template is None:
            raise RenderError(f"no {text_channel} text named {name!r} in {locale}")
    text = render(template, notice_context(business, customer, record, locale))
    if not text.body:
        raise RenderError(f"the {text_channel} text {name!r} ({locale}) renders empty")
    return text


def notice_locale(notification: Notification, business: Business, customer: Customer | None) -> str:
    """The language a notice is written in: the customer's, else the business's."""
    if notification.audience == Audience.BUSINESS or customer is None:
        return resolve_locale(business.locale)
    return resolve_locale(customer.locale, business.locale)

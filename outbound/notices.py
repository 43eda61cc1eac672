"""What a claimed notification says, to whom, and whether it still holds.

At send time a notice is checked again against the rows as they are now:
the record may have been cancelled or moved since it was planned, the
customer may have withdrawn consent or opted out, the business may have
switched SMS off. The reasons are in words, the same words the planner uses
(`outbound.policy.channels`), so staff read one explanation wherever it was decided.
The text is the business's template for the notice, channel and locale, or
the shipped default, rendered with the variables of `notice_context`, which
include the customer's signed links (`outbound.policy.links`): the cancel link only
while the business's cancellation window allows it (R1.11), and the calendar
link. Confirmation, change and cancellation emails carry the appointment card
(`attachments_for`, R1.4, R1.7); emails get a Reply-To that reaches a person
(`reply_address`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.models import (
    AddressKind,
    AppointmentStatus,
    Business,
    Customer,
    Notification,
    NotificationRule,
    Record,
    RecordKind,
    Template,
    utcnow,
)
from outbound.planning import contact_facts
from outbound.policy.calendar import (
    AppointmentCard,
    CardMethod,
    CardStatus,
    Person,
    build_ics,
    card_description,
    card_filename,
    card_summary,
    card_uid,
)
from outbound.policy.channels import ContactFacts, email_blocker, sms_blocker, whatsapp_blocker
from outbound.policy.links import LinkPurpose, cancel_blocker, link_url
from outbound.policy.planner import reminder_key_prefix, reminder_marker
from outbound.policy.rendering import (
    RenderedText,
    RenderError,
    TextTemplate,
    default_template,
    message_context,
    render,
    resolve_locale,
)
from outbound.policy.vocabulary import Audience, Channel, Notice, NotificationStatus, Trigger
from outbound.rebook_scan import is_rebook_nudge, nudge_stale_reason
from outbound.transports import Attachment

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
# Notices whose email carries the appointment card, and what the card asks (R1.4, R1.7).
_CARDS = {
    Notice.CONFIRMATION: CardMethod.REQUEST,
    Notice.CHANGE: CardMethod.REQUEST,
    Notice.CANCELLATION: CardMethod.CANCEL,
}
# A card or calendar link for these would offer an appointment that is not happening.
_NO_CALENDAR = {AppointmentStatus.CANCELLED, AppointmentStatus.REJECTED}


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

    blocker = cancel_blocker(
        window_hours=business.cancellation_window_hours,
        kind=record.kind,
        status=record.status,
        starts_at=record.starts_at,
        now=now,
    )
    cancel_url = url(LinkPurpose.CANCEL) if blocker is None else None
    has_card = record.starts_at is not None and record.status not in _NO_CALENDAR
    calendar_url = url(LinkPurpose.CALENDAR) if has_card else None
    return cancel_url, calendar_url


def appointment_card(
    business: Business,
    customer: Customer | None,
    record: Record,
    locale: str,
    *,
    config: Mapping[str, Any],
    now: datetime,
) -> AppointmentCard:
    """The record's appointment card as of `now`, worded in `locale`.

    The organizer is the address the email comes from (the business's
    `email_from`, else MAIL_FROM, R4.4), so mail clients that add invitations
    from their organizer accept it; the attendee is the customer's email.
    Raises ValueError when the record has no time."""
    if record.starts_at is None:
        raise ValueError(f"{record.kind} {record.id} has no time for a calendar card")
    cancel_url, _ = customer_links(business, record, config=config, now=now)
    _, sender_email = parseaddr(business.email_from or config["MAIL_FROM"])
    location = record.location
    return AppointmentCard(
        uid=card_uid(record.id, config["PUBLIC_BASE_URL"]),
        starts_at=record.starts_at,
        ends_at=record.ends_at or record.starts_at,
        summary=card_summary(
            record.service.name if record.service else None, business.name, locale
        ),
        sequence=record.version,
        status=_card_status(record.status),
        location=", ".join(part for part in (location.name, location.address) if part)
        if location
        else None,
        description=card_description(
            locale,
            service=record.service.name if record.service else None,
            staff=record.staff.name if record.staff else None,
            phone=business.sms_from,
            cancel_url=cancel_url,
        ),
        organizer=Person(sender_email, business.name) if sender_email else None,
        attendee=(Person(customer.email, customer.name) if customer and customer.email else None),
        url=business.booking_url,
    )


def _card_status(status: str) -> CardStatus:
    if status in _NO_CALENDAR:
        return CardStatus.CANCELLED
    if status == AppointmentStatus.PENDING:
        return CardStatus.TENTATIVE
    return CardStatus.CONFIRMED


def attachments_for(
    notification: Notification,
    business: Business,
    customer: Customer | None,
    record: Record | None,
    *,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> tuple[Attachment, ...]:
    """The files the notice's email carries: the appointment card (.ics) for a
    customer's confirmation, change or cancellation email, else nothing.

    The card is METHOD:REQUEST (new or changed; SEQUENCE is the record's version,
    so a change replaces the event) or METHOD:CANCEL, named termin.ics /
    appointment.ics / afspraak.ics by the notice's locale. `config` defaults to
    the current app's; `now` (the DTSTAMP and link time) to the clock."""
    method = _CARDS.get(notification.notice)
    if (
        method is None
        or notification.channel != Channel.EMAIL
        or notification.audience != Audience.CUSTOMER
        or record is None
        or record.starts_at is None
    ):
        return ()
    if method == CardMethod.REQUEST and record.status in _NO_CALENDAR:
        return ()
    config = config if config is not None else _app_config()
    if config is None:
        raise RuntimeError("attachments_for needs the app's config or an app context")
    locale = notice_locale(notification, business, customer)
    now = now or utcnow()
    card = appointment_card(business, customer, record, locale, config=config, now=now)
    return (
        Attachment(
            filename=card_filename(locale),
            content_type=f"text/calendar; method={method.value}",
            data=build_ics(card, method=method, now=now),
        ),
    )


def reply_address(
    notification: Notification, business: Business, customer: Customer | None
) -> str | None:
    """Where a reply to the notice's email should go, when not to its From.

    A customer's email from the shared MAIL_FROM sender is answered to the
    business's notification address; a notice to the business is answered to
    the customer, whom it is about. None leaves replies to the From address."""
    if notification.channel != Channel.EMAIL:
        return None
    if notification.audience == Audience.BUSINESS:
        return customer.email if customer and customer.email else None
    if business.email_from:
        return None
    return business.notification_email


def _app_config() -> Mapping[str, Any] | None:
    return current_app.config if has_app_context() else None


def stale_reason(session: Session, notification: Notification, record: Record | None) -> str | None:
    """Why the notice no longer holds for its record as it is now, or None when it does.

    A cancellation or rejection notice holds only while the record has that
    status; other notices not once the appointment is closed, unless their
    rule fired on the record reaching that status. A reminder holds
    only for the start it was planned for (its key names it); another notice
    whose record changed since is dropped when a newer notice replaces it.
    """
    if record is None:
        return "the record no longer exists" if notification.record_id else None
    if is_rebook_nudge(notification):  # about the visit, which is over by design (R2.5)
        return nudge_stale_reason(session, notification, record)
    if record.kind == RecordKind.APPOINTMENT:
        announced = _ANNOUNCES.get(notification.notice)
        if announced is not None:
            if record.status != announced:
                return f"appointment is no longer {announced} (now {record.status})"
        elif record.status in _CLOSED and not _planned_for_status(session, notification, record):
            return _CLOSED[record.status]
    if notification.idempotency_key.startswith(reminder_key_prefix(record.id)):
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


def _planned_for_status(session: Session, notification: Notification, record: Record) -> bool:
    """Whether the notice was planned for the record reaching the status it has now:
    a rule on "status changed to completed" (a feedback request an hour after the
    visit, R4.5) or on any status change, for this very change."""
    rule = session.get(NotificationRule, notification.rule_id) if notification.rule_id else None
    if rule is None:
        return False
    if rule.trigger == Trigger.STATUS_CHANGED_TO:
        return rule.trigger_status == record.status
    return rule.trigger == Trigger.STATUS_CHANGED and notification.record_version == record.version


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
    notification: Notification,
    business: Business,
    customer: Customer | None,
    channel: Channel | None = None,
) -> str:
    """The address the notice goes to on `channel` (default: its own), as the
    channel writes it; call after `recipient_blocker` said it can go."""
    channel = channel or notification.channel
    if notification.audience == Audience.BUSINESS:
        return business.notification_email or business.email_from
    if channel == Channel.EMAIL:
        return customer.email
    if channel == Channel.SMS:
        return customer.phone
    kind = AddressKind(channel.value)
    value = customer.address(kind).value
    prefix = f"{channel.value}:"
    return value if value.startswith(prefix) else prefix + value


def render_notice(
    session: Session,
    notification: Notification,
    business: Business,
    customer: Customer | None,
    record: Record | None,
    locale: str,
    *,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
    content_template: Template | None = None,
    channel: Channel | None = None,
) -> RenderedText:
    """The notice's text: the business's template for (name, channel, locale), else
    the default. Raises RenderError when there is none or it does not render.

    `channel` is the one it goes out on (default: its own; a WhatsApp notice may
    go by SMS). WhatsApp looks for the business's WhatsApp text first, then
    sends the SMS text. `content_template` (an approved WhatsApp template, sent outside the
    customer's 24-hour window) renders its wording and its placeholder values
    (`RenderedText.variables`). A customer's notice gets their links
    (`notice_context`) as of `now` (default: the clock) under `config`
    (default: the current app's)."""
    name = notification.template_name or notification.notice.value
    channel = channel or notification.channel
    if content_template is not None:
        template = TextTemplate(
            body=content_template.body, variables=content_template.content_variables or {}
        )
    else:
        template = _business_text(session, business, name, channel, locale)
    if template is None:
        text_channel = Channel.EMAIL if channel == Channel.EMAIL else Channel.SMS
        for candidate in dict.fromkeys((name, notification.notice.value)):
            try:
                template = default_template(candidate, text_channel, locale)
                break
            except KeyError:
                continue
        if template is None:
            raise RenderError(f"no {text_channel} text named {name!r} in {locale}")
    if notification.audience == Audience.CUSTOMER:
        config = config if config is not None else _app_config()
    else:
        config = None  # the customer's links are theirs; staff act in ReplyDesk
    text = render(
        template, notice_context(business, customer, record, locale, now=now, config=config)
    )
    if not text.body:
        raise RenderError(f"the {channel} text {name!r} ({locale}) renders empty")
    return text


def _business_text(
    session: Session, business: Business, name: str, channel: Channel, locale: str
) -> TextTemplate | None:
    if channel == Channel.EMAIL:
        channels = [Channel.EMAIL]
    elif channel == Channel.WHATSAPP:
        channels = [Channel.WHATSAPP, Channel.SMS]
    else:
        channels = [Channel.SMS]
    rows = session.scalars(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == name,
            Template.channel.in_(channels),
            Template.locale == locale,
        )
    ).all()
    row = min(rows, key=lambda row: channels.index(row.channel), default=None)
    return TextTemplate(body=row.body, subject=row.subject) if row is not None else None


def notice_locale(notification: Notification, business: Business, customer: Customer | None) -> str:
    """The language a notice is written in: the customer's, else the business's."""
    if notification.audience == Audience.BUSINESS or customer is None:
        return resolve_locale(business.locale)
    return resolve_locale(customer.locale, business.locale)

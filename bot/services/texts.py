"""Message texts checked and previewed with placeholder data (R2.3, R0.8, R4.7).

Saving a template proves its text will render when a notice goes out: it
must compile in the bounded sandbox the sender uses (`outbound.policy.sandbox`:
no internals, no macros or imports, limits on size, nesting and work), use
only the variables real notices and replies get, and render with the
placeholder data of `PLACEHOLDERS` (a customer "Ursula Hoffmann", staff
"Jane", an appointment tomorrow at 14:00), so a misspelt variable or an
attempt to reach Python internals is refused at the desk instead of failing
at send time. The same placeholder context drives the preview, which also
counts SMS segments and names the characters that force UCS-2. A WhatsApp
template's `content_variables` (the values of its approved template's
placeholders) are checked like the body. Pure checks and one read (the
business's first location); nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.models import (
    AppointmentStatus,
    Business,
    Customer,
    Location,
    Record,
    RecordKind,
    Service,
    StaffMember,
    Template,
)
from outbound.notices import notice_context
from outbound.policy.rendering import (
    SUPPORTED_LOCALES,
    RenderedText,
    RenderError,
    TextSyntaxError,
    TextTemplate,
    render,
    time_variables,
    variables_used,
)
from outbound.policy.segments import count_segments, gsm7_suggestion
from outbound.policy.vocabulary import Channel

# Templates hold the text of a channel; Messenger (and WhatsApp without its own) send the SMS text.
TEMPLATE_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP)
CONTENT_FIELDS = ("content_sid", "content_variables")  # WhatsApp only
TEMPLATE_FIELDS = ("name", "channel", "locale", "subject", "body", *CONTENT_FIELDS)
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")  # a Twilio Content (template) SID
VARIABLE_KEY = re.compile(r"^[A-Za-z0-9_]{1,40}$")  # the placeholder's name in {{1}}
MAX_CONTENT_VARIABLES = 100
MAX_BODY_LENGTH = 20_000
MAX_SUBJECT_LENGTH = 200
# Twilio's Messages API refuses a longer body (docs/PLATFORM.md, "SMS segments").
MAX_SMS_CHARACTERS = 1600
# Where a preview would print the business's booking link while it has none: a character
# no text holds (Unicode private use), falsy like the empty link, so `{% if booking_url %}`
# takes the branch a real send takes; the preview cuts it out and reports where it stood.
BOOKING_LINK_GAP = "\ue000"
_LINE = re.compile(r"\(line (\d+)\)\s*$")


class _Gap(str):
    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Placeholders:
    """The made-up facts every preview and every save check renders with (R2.3)."""

    customer_name: str = "Ursula Hoffmann"
    customer_phone: str = "+4915112345678"
    customer_email: str = "ursula.hoffmann@example.com"
    staff_name: str = "Jane"
    service_name: str = "Haarschnitt"
    service_category: str = "Haare"
    service_duration_minutes: int = 45
    # Used when the business has no location yet; otherwise its first one.
    location_name: str = "Salon am Markt"
    location_address: str = "Marktplatz 1, 10115 Berlin"
    status: str = AppointmentStatus.CONFIRMED.value
    # The appointment: tomorrow at 14:00 in the business's time zone.
    days_ahead: int = 1
    starts_at: time = time(14, 0)
    # The bot's replies: a time offered or moved to, free slots to pick from.
    new_days_ahead: int = 2
    new_starts_at: time = time(10, 0)
    slot_times: tuple[time, ...] = (time(10, 0), time(11, 30), time(15, 0))
    # When the business has switched cancelling by text off.
    window_hours: int = 24
    # The customer's links; a real one is PUBLIC_BASE_URL plus a signed token.
    cancel_url: str = "https://replydesk.example/c/link-for-ursula-hoffmann"
    calendar_url: str = "https://replydesk.example/calendar/link-for-ursula-hoffmann.ics"


PLACEHOLDERS = Placeholders()


@dataclass(frozen=True)
class Preview:
    """A text rendered with the placeholders, with what it costs as an SMS (R0.8)."""

    text: str
    subject: str | None
    segments: int  # SMS parts; 0 for email and WhatsApp
    encoding: str | None  # GSM-7 or UCS-2; None for email and WhatsApp
    characters: int
    non_gsm_characters: tuple[str, ...]  # what forces UCS-2, in order of appearance
    suggestion: str | None  # the text with GSM-7 stand-ins, when that changes it
    content_variables: dict[str, str] | None = None  # a WhatsApp template's values
    # Where in `text` the business's booking link would stand if it had one (R2.2).
    booking_link_gaps: tuple[int, ...] = ()


# --- placeholders and checking ----------------------------------------------


def placeholder_context(
    session: Session,
    business: Business,
    locale: str,
    *,
    now: datetime,
    booking_link_gap: bool = False,
) -> dict[str, Any]:
    """Every variable a notice or bot reply may use, filled with `PLACEHOLDERS`.

    The business's own name, contact details and booking URL are real; the
    location is the business's first one when it has any. Built by the same
    `notice_context` (over `outbound.policy.rendering.message_context`) that real
    notices use, with the reply variables the conversation engine adds, so a
    text that renders here has no variable a real send lacks. The rows built
    here are never added to the session. With `booking_link_gap`, a business without a
    booking link gets `BOOKING_LINK_GAP` where the link would be printed.
    """
    p = PLACEHOLDERS
    zone = ZoneInfo(business.timezone)
    today = now.astimezone(zone).date()

    def at(days: int, clock: time) -> datetime:
        return datetime.combine(today + timedelta(days=days), clock, tzinfo=zone)

    first_location = session.scalar(
        select(Location).where(Location.business_id == business.id).order_by(Location.id).limit(1)
    )
    if first_location is not None:
        location = Location(name=first_location.name, address=first_location.address)
    else:
        location = Location(name=p.location_name, address=p.location_address)
    customer = Customer(name=p.customer_name, phone=p.customer_phone, email=p.customer_email)
    starts_at = at(p.days_ahead, p.starts_at)
    record = Record(
        kind=RecordKind.APPOINTMENT,
        status=p.status,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=p.service_duration_minutes),
        location=location,
        staff=StaffMember(name=p.staff_name),
        service=Service(
            name=p.service_name,
            category=p.service_category,
            duration_minutes=p.service_duration_minutes,
        ),
    )
    context = notice_context(business, customer, record, locale)
    # Links are signed for a stored record, so the context leaves them empty
    # here; show where they would stand (only where the context has them).
    for name in ("cancel_url", "calendar_url"):
        if name in context:
            context[name] = getattr(p, name)
    if booking_link_gap and not business.booking_url:
        gap = _Gap(BOOKING_LINK_GAP)
        context["booking_url"] = gap
        if isinstance(context.get("business"), dict):
            context["business"]["booking_url"] = gap
    zone_name = business.timezone
    context.update(
        new=time_variables(at(p.new_days_ahead, p.new_starts_at), zone_name, locale),
        slots=[
            time_variables(at(p.new_days_ahead, clock), zone_name, locale) for clock in p.slot_times
        ],
        appointments=[
            time_variables(moment, zone_name, locale)
            for moment in (starts_at, at(p.days_ahead + 7, p.starts_at))
        ],
        window_hours=(
            business.cancellation_window_hours
            if business.cancellation_window_hours is not None
            else p.window_hours
        ),
    )
    return context


def check_source(source: str, field: str, context: Mapping[str, Any]) -> None:
    """Refuse a text that does not compile, asks for what message texts cannot do,
    names a variable `context` lacks, or fails to render with it (an unsafe
    attribute, a missing key, a limit reached, a runtime error).

    The checks and the render are the sender's own (`outbound.policy.rendering`, over
    the bounded sandbox of `outbound.policy.sandbox`), so what passes here is what
    sends. Raises DomainError with `field` ("body" or "subject") and a message
    for staff.
    """
    try:
        used = variables_used(source)
    except TextSyntaxError as error:
        raise DomainError(
            f"the {field} is not a valid template: {error.message} (line {error.lineno})",
            code="template_syntax",
            field=field,
            params={"line": error.lineno},
        ) from error
    except RenderError as error:
        raise DomainError(
            str(error), code="template_error", field=field, params=_line_of(error)
        ) from error
    unknown = sorted(used - set(context))
    if unknown:
        raise DomainError(
            f"unknown variable {unknown[0]!r} in the {field}; the variables are "
            f"{', '.join(sorted(context))}",
            code="unknown_variable",
            field=field,
            params={"variable": unknown[0]},
        )
    _render(TextTemplate(body=source), context, field)


def checked_text(
    session: Session,
    business: Business,
    *,
    channel: Channel,
    locale: str,
    body: str,
    subject: str | None,
    now: datetime,
    content_variables: Mapping[str, str] | None = None,
    booking_link_gap: bool = False,
) -> RenderedText:
    """Check a text for `channel` as `check_source` does, body, subject and a WhatsApp
    template's variables, and return it rendered with the placeholders. Raises
    DomainError naming "body", "subject" or "content_variables"."""
    if channel != Channel.EMAIL and subject is not None:
        raise DomainError(f"{_a(channel)} has no subject; leave subject out", field="subject")
    context = placeholder_context(
        session, business, locale, now=now, booking_link_gap=booking_link_gap
    )
    check_source(body, "body", context)
    if subject is not None:
        check_source(subject, "subject", context)
    for source in (content_variables or {}).values():
        check_source(source, "content_variables", context)
    # The body and subject rendered in their checks; what is left to fail is a
    # variable's value rendering empty, which WhatsApp refuses.
    return _render(
        TextTemplate(body=body, subject=subject, variables=content_variables),
        context,
        "content_variables",
    )


def message_subject(subject: Any) -> Any:
    """A subject as stored: a blank one is none."""
    return None if isinstance(subject, str) and not subject.strip() else subject


def checked_message(
    session: Session,
    business: Business,
    *,
    channel: Channel,
    locale: str,
    body: Any,
    subject: Any,
    now: datetime,
    content_variables: Mapping[str, str] | None = None,
    booking_link_gap: bool = False,
) -> RenderedText:
    """Every check a text passes before it is saved, and the one the preview shows
    (R2.3, R0.8): a body and (for email) a subject within their lengths, the sandbox
    checks of `checked_text`, a body that does not render empty, and a text Twilio
    can send (at most `MAX_SMS_CHARACTERS` rendered; the refusal's params carry the
    characters and SMS parts, so a preview can still show the count). Returns the
    text rendered with the placeholders (with `BOOKING_LINK_GAP`s when asked for).
    Raises DomainError with a code and params: required, too_long {limit},
    renders_empty, sms_too_long {characters, limit, segments, encoding}, and those of
    `check_source`."""
    subject = message_subject(subject)
    if not isinstance(body, str) or not body.strip():
        raise DomainError("a template needs a body", code="required", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise DomainError(
            f"the body may have at most {MAX_BODY_LENGTH} characters",
            code="too_long",
            field="body",
            params={"limit": MAX_BODY_LENGTH},
        )
    if channel == Channel.EMAIL and subject is None:
        raise DomainError("an email template needs a subject", code="required", field="subject")
    if subject is not None and len(subject) > MAX_SUBJECT_LENGTH:
        raise DomainError(
            f"the subject may have at most {MAX_SUBJECT_LENGTH} characters",
            code="too_long",
            field="subject",
            params={"limit": MAX_SUBJECT_LENGTH},
        )
    rendered = checked_text(
        session,
        business,
        channel=channel,
        locale=locale,
        body=body,
        subject=subject,
        now=now,
        content_variables=content_variables,
        booking_link_gap=booking_link_gap,
    )
    text = rendered.body.replace(BOOKING_LINK_GAP, "")
    if not text.strip():
        raise DomainError(
            "the body renders empty with the placeholder data; nothing would be sent",
            code="renders_empty",
            field="body",
        )
    if channel != Channel.EMAIL and len(text) > MAX_SMS_CHARACTERS:
        count = count_segments(text)
        raise DomainError(
            f"the {channel} text renders to {len(text)} characters with the "
            f"placeholder data; Twilio sends at most {MAX_SMS_CHARACTERS}",
            code="sms_too_long",
            field="body",
            params={
                "characters": len(text),
                "limit": MAX_SMS_CHARACTERS,
                "segments": count.segments,
                "encoding": count.encoding,
            },
        )
    return rendered


def refused_templates(
    session: Session, *, now: datetime, business_id: int | None = None
) -> list[tuple[Template, DomainError]]:
    """The stored templates today's checks refuse, each with why (for `flask
    check-templates`): a text saved under older, looser rules would fail when its
    notice is sent, so an upgrade lists them for the business to mend."""
    statement = select(Template).order_by(Template.business_id, Template.id)
    if business_id is not None:
        statement = statement.where(Template.business_id == business_id)
    refused = []
    for template in session.scalars(statement):
        try:
            checked_text(
                session,
                session.get(Business, template.business_id),
                channel=template_channel(template.channel),
                locale=template_locale(template.locale),
                body=template.body,
                subject=template.subject,
                now=now,
                content_variables=template.content_variables,
            )
        except DomainError as error:
            refused.append((template, error))
    return refused


# --- preview -----------------------------------------------------------------


def preview_text(
    session: Session,
    business: Business,
    *,
    channel: Channel,
    locale: str,
    body: str,
    subject: str | None = None,
    content_variables: Mapping[str, str] | None = None,
    now: datetime,
) -> Preview:
    """Render a text with the placeholders and count what it costs (R2.3, R0.8).

    SMS get their segments, encoding, the characters that force UCS-2 and a
    GSM-7 suggestion; email and WhatsApp get 0 segments and no encoding, a
    WhatsApp template its variables' values. The text passes the checks saving
    does (`checked_message`), so the preview refuses what saving refuses. Where a
    business without a booking link would print it, `booking_link_gaps` says.
    Raises DomainError (field body, subject or content_variables) when the text
    does not pass.
    """
    channel = template_channel(channel)
    locale = template_locale(locale)
    if content_variables is not None:
        check_content_variables(channel, content_variables)
    rendered = checked_message(
        session,
        business,
        channel=channel,
        locale=locale,
        body=body,
        subject=subject,
        now=now,
        content_variables=content_variables,
        booking_link_gap=True,
    )
    text, gaps = _without_gaps(rendered.body)
    subject = rendered.subject.replace(BOOKING_LINK_GAP, "") if rendered.subject else None
    if channel != Channel.SMS:
        return Preview(
            text, subject, 0, None, len(text), (), None, rendered.variables, booking_link_gaps=gaps
        )
    count = count_segments(text)
    suggestion = gsm7_suggestion(text) if count.non_gsm_characters else None
    return Preview(
        text=text,
        subject=None,
        segments=count.segments,
        encoding=count.encoding,
        characters=len(text),
        non_gsm_characters=count.non_gsm_characters,
        suggestion=suggestion if suggestion != text else None,
        booking_link_gaps=gaps,
    )


def _without_gaps(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` without its `BOOKING_LINK_GAP`s, and where each stood in what is left."""
    pieces = text.split(BOOKING_LINK_GAP)
    gaps, at = [], 0
    for piece in pieces[:-1]:
        at += len(piece)
        gaps.append(at)
    return "".join(pieces), tuple(gaps)


def _line_of(error: Exception) -> dict[str, int]:
    """The line a sandbox refusal names ("… (line 3)"), as params."""
    found = _LINE.search(str(error))
    return {"line": int(found.group(1))} if found else {}


# --- checks ------------------------------------------------------------------


def check_content_variables(channel: Channel, variables: Any) -> None:
    if channel != Channel.WHATSAPP:
        raise DomainError(
            "only WhatsApp templates have content_variables", field="content_variables"
        )
    if not isinstance(variables, Mapping) or len(variables) > MAX_CONTENT_VARIABLES:
        raise DomainError(
            f"content_variables must be an object of at most {MAX_CONTENT_VARIABLES} "
            'placeholder values, e.g. {"1": "{{ customer.first_name }}"}',
            field="content_variables",
        )
    for key, value in variables.items():
        if not isinstance(key, str) or not VARIABLE_KEY.match(key):
            raise DomainError(
                f"content variable {key!r}: a placeholder name is 1 to 40 letters, digits "
                "or _, as in the template's {{1}}",
                field="content_variables",
            )
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_SUBJECT_LENGTH:
            raise DomainError(
                f"content variable {key}: the value must be a text of 1 to "
                f"{MAX_SUBJECT_LENGTH} characters",
                field="content_variables",
            )


def _render(template: TextTemplate, context: Mapping[str, Any], field: str) -> RenderedText:
    try:
        return render(template, dict(context))
    except RenderError as error:
        raise DomainError(
            str(error), code="template_error", field=field, params=_line_of(error)
        ) from error
    except Exception as error:
        # Staff's text runs here. `render` turns what a text can cause into
        # RenderError; should anything else still escape, it is the text's
        # fault too, and a 422 for staff rather than a 500.
        raise DomainError(
            f"template error: {type(error).__name__}: {error}",
            code="template_error",
            field=field,
        ) from error


def template_channel(value: Any) -> Channel:
    if value in TEMPLATE_CHANNELS:
        return Channel(value)
    raise DomainError(
        "channel must be sms, email or whatsapp (Messenger sends the SMS text)",
        field="channel",
    )


def _a(channel: Channel) -> str:
    return {Channel.SMS: "an SMS", Channel.WHATSAPP: "a WhatsApp message"}.get(
        channel, f"a {channel} message"
    )


def template_locale(value: Any) -> str:
    if value in SUPPORTED_LOCALES:
        return value
    raise DomainError(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}", field="locale")

"""A notice's words: the business's text or the default, in the notice's language, rendered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Business, Customer, Notification, Record, Template
from outbound.customer_links import app_config
from outbound.notice_variables import notice_context
from outbound.policy.rendering import (
    RenderedText,
    RenderError,
    TextTemplate,
    default_template,
    render,
    resolve_locale,
)
from outbound.policy.vocabulary import Audience, Channel


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
        config = config if config is not None else app_config()
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

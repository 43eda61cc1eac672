"""Business message templates: creating, changing and deleting them (R2.2, R3.3, R4.7).

A template is the business's text for one notice name, channel (`sms`,
`email` or `whatsapp`) and locale; rules name it by `template_name`, the
sender looks it up by (name, channel, locale) and falls back to the shipped
default text. Every text saved is first checked with placeholder data
(`bot.services.texts`), so what would fail at send time is refused at the
desk. A WhatsApp text is sent as free text inside the customer's 24-hour
window; to reach them outside it, it names the business's template approved
by WhatsApp at Twilio (`content_sid`, "HX…") and fills that template's
placeholders with `content_variables` ({"1": "{{ customer.first_name }}"});
the body is then the template's wording, kept in the conversation
(`outbound.whatsapp`). Without a WhatsApp text, WhatsApp sends the SMS text.
Functions flush; the caller commits.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import Conflict, DomainError
from bot.models import Business, NotificationRule, Template
from bot.services.lookup import owned_row, rule_using
from bot.services.texts import (
    CONTENT_FIELDS,
    CONTENT_SID,
    TEMPLATE_FIELDS,
    Preview,
    check_content_variables,
    checked_message,
    message_subject,
    preview_text,
    template_channel,
    template_locale,
)
from outbound.policy.rendering import default_template_names
from outbound.policy.vocabulary import Channel, Notice

MAX_NAME_LENGTH = 200


def create_template(
    session: Session, business: Business, data: Mapping[str, Any], *, now: datetime
) -> Template:
    """Create a template {name, channel sms|email|whatsapp, locale, subject (email only),
    body, content_sid and content_variables (WhatsApp only)}.

    The text is checked with the placeholders (see `checked_text`). Raises
    DomainError naming the field, or Conflict (duplicate_template) when the
    business already has a text for that name, channel and locale.
    """
    _check_fields(data, TEMPLATE_FIELDS)
    name = _name(data.get("name"))
    channel = template_channel(data.get("channel"))
    locale = template_locale(data.get("locale"))
    existing = session.scalar(
        select(Template.id).where(
            Template.business_id == business.id,
            Template.name == name,
            Template.channel == channel,
            Template.locale == locale,
        )
    )
    if existing is not None:
        raise Conflict(
            f"there is already a {channel} template {name!r} in {locale!r} (template "
            f"{existing}); change that one",
            code="duplicate_template",
            field="name",
            params={"template_id": existing},
        )
    template = Template(business_id=business.id, name=name, channel=channel, locale=locale)
    _set_content(template, data.get("content_sid"), data.get("content_variables"))
    _set_text(session, business, template, data.get("body"), data.get("subject"), now=now)
    session.add(template)
    session.flush()
    return template


def update_template(
    session: Session,
    business: Business,
    template: Template,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> Template:
    """Change a template's body, subject or WhatsApp content; the result is checked as
    on create.

    Name, channel and locale are its identity: rules and the sender find it by them.
    """
    _check_fields(changes, ("subject", "body", *CONTENT_FIELDS))
    body = changes["body"] if "body" in changes else template.body
    subject = changes["subject"] if "subject" in changes else template.subject
    _set_content(
        template,
        changes["content_sid"] if "content_sid" in changes else template.content_sid,
        (
            changes["content_variables"]
            if "content_variables" in changes
            else template.content_variables
        ),
    )
    _set_text(session, business, template, body, subject, now=now)
    session.flush()
    return template


def delete_template(session: Session, business: Business, template: Template) -> None:
    """Delete a template, unless a rule would be left naming a text that does not exist.

    That is the case when some rule's `template_name` is this name, this is the
    last row with the name, and no shipped default text carries the name (a
    deleted "confirmation" falls back to the default). Raises Conflict
    (template_in_use) naming the rule.
    """
    others = session.scalar(
        select(func.count(Template.id)).where(
            Template.business_id == business.id,
            Template.name == template.name,
            Template.id != template.id,
        )
    )
    if not others and template.name not in default_notice_names():
        rule = rule_using(session, business, NotificationRule.template_name == template.name)
        if rule is not None:
            raise Conflict(
                f"rule {rule.id} ({rule.name!r}) sends the template {template.name!r} and this "
                "is its last text; point the rule at another template first",
                code="template_in_use",
                field="name",
                params={"rule": rule.name},
            )
    session.delete(template)
    session.flush()


def get_template(session: Session, business: Business, template_id: int) -> Template:
    """The business's template `template_id`; NotFound (field template_id) otherwise."""
    return owned_row(
        session, business, Template, template_id, label="template", field="template_id"
    )


def template_name_known(session: Session, business: Business, name: str) -> bool:
    """Whether a rule may send `name`: the business has a template of that name (any
    channel or locale) or a shipped default notice text has it. The bot's reply texts
    (`reply_names`) are not notices, even when the business has its own wording of one."""
    if name in default_notice_names():
        return True
    if name in reply_names():
        return False
    found = session.scalar(
        select(Template.id)
        .where(Template.business_id == business.id, Template.name == name)
        .limit(1)
    )
    return found is not None


@functools.cache
def default_notice_names() -> frozenset[str]:
    """The notice names that have a shipped default text (not the bot's replies)."""
    return frozenset(default_template_names()) & {notice.value for notice in Notice}


@functools.cache
def reply_names() -> frozenset[str]:
    """The names of the bot's shipped reply texts (reply_help, reply_ask_cancel, …): the
    conversation engine sends them, rules do not."""
    return frozenset(default_template_names()) - default_notice_names()


def preview_template(
    session: Session, business: Business, template: Template, *, now: datetime
) -> Preview:
    """`preview_text` for a stored template."""
    return preview_text(
        session,
        business,
        channel=template.channel,
        locale=template.locale,
        body=template.body,
        subject=template.subject,
        content_variables=template.content_variables,
        now=now,
    )


def _set_text(
    session: Session,
    business: Business,
    template: Template,
    body: Any,
    subject: Any,
    *,
    now: datetime,
) -> None:
    subject = message_subject(subject)
    with session.no_autoflush:
        checked_message(
            session,
            business,
            channel=template.channel,
            locale=template.locale,
            body=body,
            subject=subject,
            now=now,
            content_variables=template.content_variables,
        )
    template.body = body
    template.subject = subject


def _set_content(template: Template, content_sid: Any, content_variables: Any) -> None:
    """Set a WhatsApp template's Content SID and variables; checked, not yet rendered
    (`_set_text` renders the variables with the body)."""
    if content_sid is not None or content_variables is not None:
        if template.channel != Channel.WHATSAPP:
            field = "content_sid" if content_sid is not None else "content_variables"
            raise DomainError(f"only WhatsApp templates have a {field}", field=field)
    if content_sid is not None and not (
        isinstance(content_sid, str) and CONTENT_SID.match(content_sid)
    ):
        raise DomainError(
            "content_sid must be a Twilio Content SID: HX and 32 hexadecimal characters",
            field="content_sid",
        )
    if content_variables is not None:
        if content_sid is None:
            raise DomainError(
                "content_variables fill the placeholders of the template named by content_sid; "
                "give content_sid too",
                field="content_variables",
            )
        check_content_variables(template.channel, content_variables)
    template.content_sid = content_sid
    template.content_variables = dict(content_variables) if content_variables else None


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise DomainError("a template needs a name", code="required", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(
            f"the name may have at most {MAX_NAME_LENGTH} characters",
            code="too_long",
            field="name",
            params={"limit": MAX_NAME_LENGTH},
        )
    return name


def _check_fields(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for field in data:
        if field not in allowed:
            raise DomainError(f"unknown field {field!r}", field=field)

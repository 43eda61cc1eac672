"""Businesses: creating one with its defaults, changing its settings (checked here whoever
changes them: API, web console, CLI or demo), and its API keys, shown once, kept as a hash,
listed and revoked."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import Conflict, DomainError, refuse_problem
from bot.models import ApiKey, Business, NotificationRule, Template, utcnow
from bot.phones import InvalidPhoneNumber, parse_phone
from bot.safe_values import (
    email_address_problem,
    line_problem,
    mailbox_problem,
    shown_url_problem,
)
from bot.services.commands import SettingsChanges
from bot.services.lookup import owned_row
from outbound.policy.default_rules import DEFAULT_RULES
from outbound.policy.rendering import SUPPORTED_LOCALES, default_template, default_template_names
from outbound.policy.vocabulary import Channel, Trigger

API_KEY_PREFIX = "rd_"
KEY_USE_RESOLUTION = timedelta(minutes=5)

# The Twilio senders: each routes inbound messages to one business only.
SENDER_SETTINGS = ("sms_from", "messaging_service_sid", "whatsapp_from")

# Settings staff may change (API, web console, CLI, demo), each checked in `update_settings`.
SETTINGS = SettingsChanges.field_names()
# Links customers are shown; the server never calls them.
SHOWN_URL_SETTINGS = ("booking_url", "privacy_url")
MAX_NAME_LENGTH = 200
MAX_CANCELLATION_WINDOW_HOURS = 24 * 366
MAX_TIMEZONE_LENGTH = 64  # the width of Business.timezone
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class NewBusiness:
    business: Business
    api_key: str  # shown once; only its hash is stored


def create_business(
    session: Session,
    *,
    name: str,
    timezone: str = "Europe/Berlin",
    locale: str = "de",
    region: str = "DE",
    sms_from: str | None = None,
    messaging_service_sid: str | None = None,
) -> NewBusiness:
    """Create a business with the default rules and templates and a first API key.

    Naming a Twilio sender switches SMS on: the owner has said how to send.
    """
    business = Business(sms_enabled=bool(sms_from or messaging_service_sid))
    session.add(business)
    update_settings(
        session,
        business,
        SettingsChanges(
            name=name,
            timezone=timezone,
            locale=locale,
            phone_region=region,
            sms_from=sms_from,
            messaging_service_sid=messaging_service_sid,
        ),
    )
    session.flush()
    install_defaults(session, business)
    return NewBusiness(business, create_api_key(session, business))


def install_defaults(session: Session, business: Business) -> None:
    """Add the default rules (`DEFAULT_RULES`) and every default text as editable templates."""
    for rule in DEFAULT_RULES:
        session.add(
            NotificationRule(
                business_id=business.id,
                name=rule.name,
                kind=rule.kind,
                trigger=rule.trigger,
                trigger_status=rule.trigger_status,
                audience=rule.audience,
                channel=rule.channel,
                notice=rule.notice,
                template_name=rule.notice.value,
                offset_minutes=rule.offset_minutes,
            )
        )
    for locale in SUPPORTED_LOCALES:
        for name in default_template_names():
            for channel in (Channel.SMS, Channel.EMAIL):
                try:
                    text = default_template(name, channel, locale)
                except KeyError:
                    continue  # replies have no email text
                session.add(
                    Template(
                        business_id=business.id,
                        name=name,
                        channel=channel,
                        locale=locale,
                        subject=text.subject,
                        body=text.body,
                    )
                )
    session.flush()


def update_settings(session: Session, business: Business, changes: SettingsChanges) -> None:
    """Apply validated setting changes. Raises DomainError naming the bad field.

    The first Twilio sender (an SMS number or a Messaging Service) switches SMS on, as
    when a business is created with one: the owner has said how to send. Changes that
    set `sms_enabled` themselves keep their choice, and a business that had a sender
    keeps its own."""
    had_sender = _has_sms_sender(business)
    for field, value in changes.given().items():
        if isinstance(value, str):
            _check_text(field, value)
        if field == "name":
            _check_name(value, field)
        elif field == "timezone":
            _check_timezone(value)
        elif field == "locale" and value not in SUPPORTED_LOCALES:
            raise DomainError(
                f"locale must be one of {', '.join(SUPPORTED_LOCALES)}", field="locale"
            )
        elif field == "phone_region":
            value = (value or "").upper()
            if value not in phonenumbers.SUPPORTED_REGIONS:
                raise DomainError(f"{value!r} is not a known region code", field=field)
        elif field in ("sms_from", "whatsapp_from") and value:
            value = _sender_number(value, business.phone_region or "DE", field)
        elif field == "messaging_service_sid" and value:
            if not MESSAGING_SERVICE_SID.match(value):
                raise DomainError(
                    "messaging_service_sid must be a Twilio Messaging Service SID (MG…)",
                    field=field,
                )
        if field in SENDER_SETTINGS and value:
            _check_sender_is_free(session, business, field, value)
        elif field == "cancellation_window_hours" and value is not None:
            if not 0 <= value <= MAX_CANCELLATION_WINDOW_HOURS:
                raise DomainError(
                    "cancellation_window_hours must be between 0 and "
                    f"{MAX_CANCELLATION_WINDOW_HOURS} (a year)",
                    field=field,
                )
        elif field == "sms_per_second" and value is not None and not 0 < value <= 1000:
            raise DomainError("sms_per_second must be above 0 and at most 1000", field=field)
        setattr(business, field, value)
    if not had_sender and _has_sms_sender(business) and not changes.has("sms_enabled"):
        business.sms_enabled = True


def _has_sms_sender(business: Business) -> bool:
    return bool(business.sms_from or business.messaging_service_sid)


def _check_text(field: str, value: str) -> None:
    """Refuse a text setting that is not safe where it is used (`bot.safe_values`): every
    text is one line (it reaches email headers and texts), `email_from` is one mailbox, and
    the links shown to customers are http(s) with a public host."""
    if field == "email_from":
        problem = mailbox_problem(value)
    elif field == "notification_email":
        problem = email_address_problem(value)
    else:
        problem = line_problem(value)
    refuse_problem(field, problem)
    if field in SHOWN_URL_SETTINGS:
        problem = shown_url_problem(value)
        if problem is not None:
            raise DomainError(
                f"{field} must be an http(s) address customers can open; {problem}",
                code="unsafe_url",
                field=field,
            )


def _check_sender_is_free(session: Session, business: Business, field: str, value: str) -> None:
    column = getattr(Business, field)
    owner = session.scalar(select(Business.id).where(column == value, Business.id != business.id))
    if owner is not None:
        raise Conflict(
            f"{value} is already the {field} of another business; "
            "inbound messages could not tell the two apart",
            code="sender_taken",
            field=field,
        )


def create_api_key(session: Session, business: Business, name: str = "default") -> str:
    """Create an API key and return it in clear; only its SHA-256 is kept."""
    _check_name(name, "name")
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            business_id=business.id,
            name=name,
            prefix=key[:10],
            key_hash=hash_api_key(key),
        )
    )
    session.flush()
    return key


def api_keys(session: Session, business: Business) -> list[ApiKey]:
    """The business's API keys, revoked ones included, the newest first."""
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.business_id == business.id)
            .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


def api_key_of(session: Session, business: Business, key_id: int) -> ApiKey:
    """The business's API key with this id; NotFound for another business's."""
    return owned_row(session, business, ApiKey, key_id, label="API key", field="key_id")


def revoke_api_key(session: Session, business: Business, key_id: int) -> ApiKey:
    """Revoke the key: from now on it opens nothing (`business_for_api_key`).

    Revoking twice keeps the first moment; the key stays listed as revoked."""
    api_key = api_key_of(session, business, key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        session.flush()
    return api_key


def reminder_rules(session: Session, business: Business) -> list[NotificationRule]:
    """The business's reminder rules: the reminder lead lives in their offsets (R1.5)."""
    return list(
        session.scalars(
            select(NotificationRule)
            .where(
                NotificationRule.business_id == business.id,
                NotificationRule.trigger == Trigger.REMINDER,
            )
            .order_by(NotificationRule.id)
        )
    )


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def business_for_api_key(session: Session, key: str) -> Business | None:
    """The business a bearer key belongs to, or None for an unknown or revoked key."""
    api_key = session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None))
    )
    if api_key is None:
        return None
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at > KEY_USE_RESOLUTION:
        api_key.last_used_at = now  # not on every request: a write per read costs
    return api_key.business


def _check_name(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"{field} cannot be empty", code="required", field=field)
    if len(value) > MAX_NAME_LENGTH:
        raise DomainError(f"{field} may be at most {MAX_NAME_LENGTH} characters", field=field)
    refuse_problem(field, line_problem(value))


def _check_timezone(name: str) -> None:
    try:
        if not isinstance(name, str) or len(name) > MAX_TIMEZONE_LENGTH:
            raise ValueError("not a zone name")  # longer than any; the file system refuses it
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise DomainError(f"{name!r} is not a known time zone", field="timezone") from error


def _sender_number(value: str, region: str, field: str) -> str:
    try:
        return parse_phone(value, region).e164
    except InvalidPhoneNumber as error:
        raise DomainError(str(error), field=field) from error

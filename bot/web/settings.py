"""The business's own settings in the owner's console: `/settings` (general),
`/settings/messaging` (the Twilio senders) and `/settings/api-keys`, every value checked by
`bot.services.businesses` as the API's PATCH /business is."""

from __future__ import annotations

import zoneinfo
from functools import cache

import phonenumbers
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask import session as browser_session
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField, URLField
from wtforms.widgets import NumberInput

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import Business
from bot.services import businesses as service
from bot.services.commands import SettingsChanges
from bot.web.language import LANGUAGE_NAMES, LANGUAGES
from bot.web.roles import owner_required
from bot.web.words import CHANNEL_CHOICE_WORDS, RECORD_KIND_WORDS, lead_in_words

bp = Blueprint("settings", __name__)

# The API key shown once on the keys page after creating it, then forgotten.
SHOWN_KEY = "replydesk_new_api_key"

# What the owner reads next to a field the service refused, by the setting's name.
FIELD_PROBLEMS = {
    "name": _l("Enter the business's name: one line, at most 200 characters."),
    "timezone": _l("Choose a time zone from the list."),
    "locale": _l("Choose one of the languages in the list."),
    "phone_region": _l("Choose a country from the list."),
    "cancellation_window_hours": _l("Enter whole hours from 0 to 8784 (a year)."),
    "booking_url": _l(
        "Enter an http(s) address customers can open, e.g. https://salon.example/book."
    ),
    "privacy_url": _l(
        "Enter an http(s) address customers can open, e.g. https://salon.example/privacy."
    ),
    "email_from": _l("Enter one sender, e.g. Salon Sonnenschein <info@salon.example>."),
    "notification_email": _l("Enter one email address, e.g. info@salon.example."),
    "sms_from": _l("Enter a phone number, e.g. +49 30 555010 or 030 555010."),
    "whatsapp_from": _l("Enter a phone number, e.g. +49 30 555010 or 030 555010."),
    "messaging_service_sid": _l(
        "Enter the Messaging Service SID from Twilio: MG and 32 characters 0-9 and a-f."
    ),
    "sms_per_second": _l("Enter a number above 0 and at most 1000, e.g. 1."),
}


class GeneralForm(FlaskForm):
    name = StringField(_l("Business name"))
    locale = SelectField(_l("Language of the texts to customers"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    phone_region = SelectField(_l("Default phone region"), validate_choice=False)
    sms_enabled = BooleanField(_l("Send SMS"))
    sms_confirmation_always = BooleanField(_l("Always confirm a booking by SMS"))
    cancel_by_text = BooleanField(_l("Customers may cancel by text"))
    cancellation_window_hours = StringField(
        _l("Until how many hours before the start"), widget=NumberInput(min=0, step=1)
    )
    privacy_url = URLField(_l("Privacy policy link"))
    booking_url = URLField(_l("Booking link"))
    email_from = StringField(_l("Email sender"))
    notification_email = EmailField(_l("Notification email"))


class MessagingForm(FlaskForm):
    sms_from = TelField(_l("SMS number (Twilio)"))
    messaging_service_sid = StringField(_l("Messaging Service SID"))
    whatsapp_from = TelField(_l("WhatsApp sender"))
    sms_per_second = StringField(
        _l("SMS segments a second"), widget=NumberInput(min=0.01, max=1000, step="any")
    )


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name of the key"))


# Settings each form saves, in the order they are checked.
GENERAL_SETTINGS = (
    "name",
    "locale",
    "timezone",
    "phone_region",
    "sms_enabled",
    "sms_confirmation_always",
    "cancellation_window_hours",
    "privacy_url",
    "booking_url",
    "email_from",
    "notification_email",
)
MESSAGING_SETTINGS = ("sms_from", "messaging_service_sid", "whatsapp_from", "sms_per_second")


# --- choices --------------------------------------------------------------------


@cache
def _zone_names() -> tuple[str, ...]:
    # The zones a person picks: Area/City and UTC, not the legacy aliases.
    legacy = ("Etc/", "SystemV/", "US/", "posix", "right/")
    names = (
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(legacy)
    )
    return ("UTC", *sorted(names))


def _with_kept(choices: list[tuple[str, str]], value: str | None) -> list[tuple[str, str]]:
    """`choices` plus `value` when it is not among them: what the user sent or what is
    stored stays on the page, to be corrected, rather than silently replaced."""
    if value and value not in {choice for choice, _label in choices}:
        return [(value, value), *choices]
    return choices


def _region_choices() -> list[tuple[str, str]]:
    names = get_locale().territories
    regions = sorted(phonenumbers.SUPPORTED_REGIONS - {"001"})
    labelled = [(code, f"{names.get(code, code)} ({code})") for code in regions]
    return sorted(labelled, key=lambda choice: choice[1].casefold())


def _set_choices(form: GeneralForm) -> None:
    form.locale.choices = _with_kept(
        [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES], form.locale.data
    )
    form.timezone.choices = _with_kept(
        [(name, name.replace("_", " ")) for name in _zone_names()], form.timezone.data
    )
    form.phone_region.choices = _with_kept(_region_choices(), form.phone_region.data)


# --- saving ---------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _number(field, kind, required_message=None):
    """The number typed into `field` (None when empty), or a message next to it."""
    text = (field.data or "").strip()
    if not text:
        if required_message is not None:
            field.errors.append(required_message)
        return None
    if kind is float:
        text = text.replace(",", ".")  # 1,5 as German and Dutch write it
    try:
        return kind(text)
    except ValueError:
        field.errors.append(FIELD_PROBLEMS[field.name])
        return None


def _general_values(form: GeneralForm) -> dict:
    hours = None
    if form.cancel_by_text.data:
        hours = _number(
            form.cancellation_window_hours,
            int,
            _l("Enter how many hours before the start customers may still cancel."),
        )
    return {
        "name": (form.name.data or "").strip(),
        "locale": form.locale.data,
        "timezone": form.timezone.data,
        "phone_region": form.phone_region.data,
        "sms_enabled": form.sms_enabled.data,
        "sms_confirmation_always": form.sms_confirmation_always.data,
        "cancellation_window_hours": hours,
        "privacy_url": _text(form.privacy_url.data),
        "booking_url": _text(form.booking_url.data),
        "email_from": _text(form.email_from.data),
        "notification_email": _text(form.notification_email.data),
    }


def _messaging_values(form: MessagingForm) -> dict:
    return {
        "sms_from": _text(form.sms_from.data),
        "messaging_service_sid": _text(form.messaging_service_sid.data),
        "whatsapp_from": _text(form.whatsapp_from.data),
        "sms_per_second": _number(form.sms_per_second, float),
    }


def _save(form: FlaskForm, values: dict) -> bool:
    """Apply the values that changed through the service; False, with the message
    next to the field, when it refuses one. Unchanged values are not sent: a stored
    sender is not checked again."""
    if any(field.errors for field in form):
        return False
    business: Business = current_user.business
    changes = {name: value for name, value in values.items() if getattr(business, name) != value}
    try:
        service.update_settings(
            db.session,
            business,
            SettingsChanges.from_fields(changes),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _show_problem(form, error)
        return False
    except IntegrityError:
        # Another business took the same sender between the check and the commit.
        db.session.rollback()
        field = next((name for name in service.SENDER_SETTINGS if name in changes), None)
        _show_problem(form, DomainError("sender in use", code="sender_taken", field=field))
        return False
    return True


def _show_problem(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field or "", None) or next(
        shown for shown in form if shown.type != "CSRFTokenField"
    )
    if error.code == "sender_taken":
        message = _(
            "Another business already uses this sender; "
            "replies to it could not be told apart. Use a sender of your own."
        )
    else:
        message = FIELD_PROBLEMS.get(error.field or "", error.message)
    field.errors.append(str(message))


# --- General --------------------------------------------------------------------


@bp.get("/settings")
@owner_required
def general():
    business = current_user.business
    form = GeneralForm(
        data={
            "name": business.name,
            "locale": business.locale,
            "timezone": business.timezone,
            "phone_region": business.phone_region,
            "sms_enabled": business.sms_enabled,
            "sms_confirmation_always": business.sms_confirmation_always,
            "cancel_by_text": business.cancellation_window_hours is not None,
            "cancellation_window_hours": str(
                24
                if business.cancellation_window_hours is None
                else business.cancellation_window_hours
            ),
            "privacy_url": business.privacy_url or "",
            "booking_url": business.booking_url or "",
            "email_from": business.email_from or "",
            "notification_email": business.notification_email or "",
        }
    )
    return _general_page(form)


@bp.post("/settings")
@owner_required
def save_general():
    form = GeneralForm()
    if form.validate_on_submit() and _save(form, _general_values(form)):
        refresh()  # the business's language may be the page's language
        flash(_("The settings are saved."), "info")
        return redirect(url_for("settings.general"))
    return _general_page(form, 422)


def _general_page(form: GeneralForm, status: int = 200):
    _set_choices(form)
    business = current_user.business
    page = render_template(
        "settings_general.html",
        form=form,
        business=business,
        reminders=service.reminder_rules(db.session, business),
        lead_in_words=lead_in_words,
        kind_words=RECORD_KIND_WORDS,
        channel_words=CHANNEL_CHOICE_WORDS,
    )
    return page, status


# --- Messaging ------------------------------------------------------------------


@bp.get("/settings/messaging")
@owner_required
def messaging():
    business = current_user.business
    form = MessagingForm(
        data={
            "sms_from": business.sms_from or "",
            "messaging_service_sid": business.messaging_service_sid or "",
            "whatsapp_from": business.whatsapp_from or "",
            "sms_per_second": ""
            if business.sms_per_second is None
            else f"{business.sms_per_second:g}",
        }
    )
    return _messaging_page(form)


@bp.post("/settings/messaging")
@owner_required
def save_messaging():
    form = MessagingForm()
    if form.validate_on_submit():
        business = current_user.business
        # The service switches SMS on with the first sender; the flash says so.
        sms_was_on = business.sms_enabled
        if _save(form, _messaging_values(form)):
            flash(_("The senders are saved."), "info")
            if business.sms_enabled and not sms_was_on:
                flash(_("SMS is switched on: texts now leave from this sender."), "info")
            return redirect(url_for("settings.messaging"))
    return _messaging_page(form, 422)


def _messaging_page(form: MessagingForm, status: int = 200):
    business = current_user.business
    region_names = get_locale().territories
    page = render_template(
        "settings_messaging.html",
        form=form,
        business=business,
        region_name=region_names.get(business.phone_region, business.phone_region),
        default_pace=f"{current_app.config.get('SMS_PER_SECOND') or 1:g}",
    )
    return page, status


# --- API keys -------------------------------------------------------------------


@bp.get("/settings/api-keys")
@owner_required
def api_keys():
    return _api_keys_page(ApiKeyForm(formdata=None))


@bp.post("/settings/api-keys")
@owner_required
def create_api_key():
    form = ApiKeyForm()
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        try:
            key = service.create_api_key(db.session, current_user.business, name)
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(
                str(_l("Give the key a name: one line, at most 200 characters."))
                if error.field == "name"
                else error.message
            )
        else:
            db.session.commit()
            browser_session[SHOWN_KEY] = {"name": name, "key": key}
            return redirect(url_for("settings.api_keys"))
    return _api_keys_page(form, 422)


def _api_keys_page(form: ApiKeyForm, status: int = 200):
    shown = browser_session.pop(SHOWN_KEY, None)
    page = render_template(
        "settings_api_keys.html",
        form=form,
        keys=service.api_keys(db.session, current_user.business),
        shown=shown,
        api_base=current_app.config["PUBLIC_BASE_URL"] + "/api/v1",
    )
    # The page with a key in clear is kept by no cache, and the key leaves the session
    # with this answer: reloading the page shows it no more.
    return page, status, {"Cache-Control": "no-store"}


def _api_key(key_id: int):
    try:
        return service.api_key_of(db.session, current_user.business, key_id)
    except NotFound:
        abort(404)


@bp.get("/settings/api-keys/<id:key_id>/revoke")
@owner_required
def confirm_revoke(key_id: int):
    api_key = _api_key(key_id)
    if api_key.revoked_at is not None:
        flash(_("The key %(name)s is revoked already.", name=api_key.name), "info")
        return redirect(url_for("settings.api_keys"))
    return render_template("settings_revoke_key.html", api_key=api_key)


@bp.post("/settings/api-keys/<id:key_id>/revoke")
@owner_required
def revoke_api_key(key_id: int):
    api_key = _api_key(key_id)
    service.revoke_api_key(db.session, current_user.business, api_key.id)
    db.session.commit()
    flash(_("The key %(name)s is revoked: it opens the API no more.", name=api_key.name), "info")
    return redirect(url_for("settings.api_keys"))

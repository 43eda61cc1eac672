"""The owner's template editor at `/templates`: the business's message texts per notice,
channel and language, and the editor with its variable picker, booking-link button and
live preview (R2.2, R2.3, R0.8).

The list shows, per notice, the business's own texts and the shipped ones it still
uses; customising a shipped text opens the editor filled with it. Saving goes through
`bot.services.templates` (create_template / update_template / delete_template), so the
web and the API refuse the same texts: a text that fails the sandbox check comes back
with status 422, the reason under its field and everything typed kept. The preview
(`POST /templates/preview`, CSRF-protected) renders the typed text through
`bot.services.texts.preview_text`, the same sandboxed render and placeholder data
("Ursula Hoffmann", tomorrow at 14:00) that saving checks with, and returns an HTML
fragment with the SMS segment count, the encoding by name, the characters that force
UCS-2 marked and a GSM-7 suggestion; the server counts the rendered text, so the page
shows one truth. `static/template_editor.js` only enhances: without JavaScript the
"Preview" button posts the form and the same fragment is rendered in the page, as it
is on a page whose save was refused. The preview runs the checks saving runs, so it
refuses what saving refuses (an SMS too long for Twilio still shows its count); where a
business without a booking link would print it, the preview says so. Refusals are
sentences in the user's language built from the service's code and figures (`REFUSALS`),
never the service's English. Every shipped text has a name in words (`text_words`: the
notices' from `bot.web.words`, the bot's replies' here); the rules page takes its
template choices from `notice_text_names`. Owners only (`owner_required`); everything is
scoped to the user's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import Template, utcnow
from bot.services import templates as service
from bot.services.texts import (
    TEMPLATE_CHANNELS,
    Preview,
    placeholder_context,
    preview_text,
)
from bot.web.language import LANGUAGE_NAMES
from bot.web.roles import owner_required
from bot.web.words import CHANNEL_WORDS, NOTICE_WORDS
from outbound.policy.rendering import (
    SUPPORTED_LOCALES,
    TextTemplate,
    default_template,
    default_template_names,
    resolve_locale,
)
from outbound.policy.segments import gsm7_suggestion
from outbound.policy.vocabulary import Channel, Notice

bp = Blueprint("template_editor", __name__, url_prefix="/templates")

# The channels a business writes texts for; a shipped text exists for SMS and email.
DEFAULT_CHANNELS = (Channel.SMS, Channel.EMAIL)

# A service refusal in the owner's words, by its code and field (or its code alone); the
# figures come from the refusal's params. Only what the owner wrote is quoted (the
# variable's name); the service's English sentence is never shown.
REFUSALS = {
    ("required", "body"): _l("Write the text; it cannot be empty."),
    ("required", "name"): _l("Give the text a name."),
    ("required", "subject"): _l("An email needs a subject."),
    ("too_long", "name"): _l("The name may have at most %(limit)s characters."),
    ("too_long", "subject"): _l("The subject may have at most %(limit)s characters."),
    ("too_long", None): _l("The text may have at most %(limit)s characters."),
    ("sms_too_long", None): _l(
        "With the sample data this text has %(characters)s characters, but an SMS may have "
        "at most %(limit)s. Please shorten it."
    ),
    ("renders_empty", None): _l(
        "With the sample data this text comes out empty, so nothing would be sent."
    ),
    ("template_syntax", "line"): _l(
        "Line %(line)s has a mistake in its {{ }} or {%% %%} marks; check that each one is closed."
    ),
    ("template_syntax", None): _l(
        "A {{ }} or {%% %%} mark in this text is written wrongly; check that each one is closed."
    ),
    ("unknown_variable", None): _l(
        "There is no variable %(variable)s; insert one from the list below the text."
    ),
    ("template_error", "line"): _l(
        "Line %(line)s cannot be rendered: it asks for something message texts cannot do; "
        "use the variables from the list as they are."
    ),
    ("template_error", None): _l(
        "This text cannot be rendered: it asks for something message texts cannot do; use "
        "the variables from the list as they are."
    ),
    ("duplicate_template", None): _l(
        "There is already a text for this notice, channel and language; edit that one."
    ),
    ("template_in_use", None): _l(
        "The rule “%(rule)s” still sends this text and it is the last one of its name; "
        "point the rule at another text first."
    ),
}
# Any other refusal (a value no form of this page sends): a sentence, never English.
OTHER_REFUSAL = _l("This value cannot be used here; please check it.")
# The bot's reply texts in words (the notices have theirs in bot.web.words).
REPLY_WORDS = {
    "reply_confirmed": _l("appointment confirmed"),
    "reply_handed_to_staff": _l("message passed to the team"),
    "reply_unknown_sender": _l("number not recognised"),
    "reply_help": _l("help"),
    "reply_request_pending": _l("request still being checked"),
    "reply_cancelled": _l("appointment cancelled"),
    "reply_cancel_too_late": _l("too late to cancel by text"),
    "reply_cancel_not_by_text": _l("no cancelling by text"),
    "reply_ask_cancel": _l("asks whether to cancel"),
    "reply_ask_when": _l("asks when would suit"),
    "reply_offer_exact": _l("offers the time asked for"),
    "reply_offer_taken": _l("time taken, offers free times"),
    "reply_offer_slots": _l("offers free times"),
    "reply_pick_again": _l("asks to pick a time again"),
    "reply_no_slots": _l("no free time found"),
    "reply_moved": _l("appointment moved"),
    "reply_which_appointment": _l("asks which appointment is meant"),
    "reply_kept": _l("appointment kept"),
    "reply_offer_closed": _l("closed then, offers free times"),
    "reply_offer_outside": _l("nothing free then, offers free times"),
}
# Shown in the preview where the booking link would stand while the business has none.
BOOKING_LINK_GAP_WORDS = _l("[booking link — not set in Settings]")

# The variables the picker offers first, in words; the rest follow by name.
VARIABLE_WORDS = {
    "customer.first_name": _l("Customer's first name"),
    "customer.name": _l("Customer's name"),
    "business.name": _l("Business name"),
    "weekday": _l("Weekday"),
    "date": _l("Date"),
    "time": _l("Time"),
    "short": _l("Date and time, short"),
    "service.name": _l("Service"),
    "staff.name": _l("Staff member"),
    "location.name": _l("Location"),
    "location.address": _l("Address"),
    "cancel_url": _l("Cancellation link"),
    "calendar_url": _l("Calendar link"),
    "window_hours": _l("Cancellation window (hours)"),
    "business.phone": _l("Business phone"),
}
BOOKING_LINK = "booking_url"
# Reply-only variables (lists of times, a moved time) make no sense in a notice.
REPLY_ONLY = frozenset({"new", "slots", "appointments"})


def text_words(name: str) -> str:
    """A text's name for the owner: a notice's or a bot reply's in words, the
    business's own text by the name it was given."""
    try:
        return str(NOTICE_WORDS[Notice(name)])
    except ValueError:
        pass
    words = REPLY_WORDS.get(name)
    return str(words) if words is not None else name


def notice_text_names() -> list[str]:
    """The texts a rule may send, in the order of their words: the shipped notice texts
    and the business's own names, not the bot's replies (`service.reply_names`)."""
    own = db.session.scalars(
        select(Template.name).where(Template.business_id == current_user.business.id).distinct()
    )
    names = (set(own) | service.default_notice_names()) - service.reply_names()
    return sorted(names, key=lambda name: (text_words(name).casefold(), name))


class TemplateForm(FlaskForm):
    """A new text: its identity (name, channel, language) and its wording."""

    name = StringField(_l("Name"), id="template-name")
    channel = SelectField(_l("Channel"), default=Channel.SMS.value, id="template-channel")
    locale = SelectField(_l("Language"), id="template-locale")
    subject = StringField(_l("Subject"), id="template-subject")
    body = TextAreaField(_l("Text"), id="template-body")


class TextForm(FlaskForm):
    """A stored text's wording; its name, channel and language are its identity."""

    subject = StringField(_l("Subject"), id="template-subject")
    body = TextAreaField(_l("Text"), id="template-body")


@dataclass
class Row:
    """One text in the list: the business's own (template set) or a shipped one."""

    name: str
    channel: str
    locale: str
    template: Template | None = None
    subject: str | None = None
    body: str = ""
    changed: bool = False  # the business's wording differs from the shipped one


@dataclass
class Group:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Variable:
    name: str
    words: str | None  # None: the name says it
    example: str


# --- the list ----------------------------------------------------------------------


@bp.get("")
@owner_required
def index():
    business_locale = resolve_locale(current_user.business.locale)
    locale = request.args.get("locale", business_locale)
    if locale not in SUPPORTED_LOCALES:
        locale = business_locale
    return render_template(
        "templates_list.html",
        sections=_sections(locale),
        locale=locale,
        locales=SUPPORTED_LOCALES,
        channel_words=CHANNEL_WORDS,
        language_names=LANGUAGE_NAMES,
    )


def _sections(locale: str) -> list[tuple[str, list[Group]]]:
    """The texts in `locale` in three sections: the notices in their usual order (with
    the shipped text of one the business has deleted), the bot's replies, and the names
    the business made up. Each group is one name, its rows the channels."""
    business = current_user.business
    own = db.session.scalars(
        select(Template)
        .where(Template.business_id == business.id, Template.locale == locale)
        .order_by(Template.name, Template.channel)
    ).all()
    notices = {
        notice.value: Group(notice.value, str(NOTICE_WORDS[notice]))
        for notice in Notice
        if notice.value in service.default_notice_names()
    }
    shipped = set(default_template_names())
    replies: dict[str, Group] = {}
    custom: dict[str, Group] = {}
    for template in own:
        if template.name in notices:
            group = notices[template.name]
        else:
            groups = replies if template.name in shipped else custom
            group = groups.setdefault(
                template.name, Group(template.name, text_words(template.name))
            )
        group.rows.append(
            Row(
                template.name,
                template.channel,
                template.locale,
                template,
                template.subject,
                template.body,
                changed=_changed(template),
            )
        )
    for name, group in notices.items():
        taken = {row.channel for row in group.rows}
        for channel in DEFAULT_CHANNELS:
            text = _shipped(name, channel.value, locale)
            if channel.value not in taken and text is not None:
                group.rows.append(Row(name, channel.value, locale, None, text.subject, text.body))
    for group in [*notices.values(), *replies.values(), *custom.values()]:
        group.rows.sort(key=_channel_rank)
    return [
        (_("Notices"), list(notices.values())),
        (_("The bot's replies"), [replies[name] for name in sorted(replies)]),
        (_("Your own texts"), [custom[name] for name in sorted(custom)]),
    ]


def _changed(template: Template) -> bool:
    """Whether the business's text differs from the shipped one of its name."""
    shipped = _shipped(template.name, template.channel, template.locale)
    if shipped is None:
        return True
    return (template.body, template.subject) != (shipped.body, shipped.subject)


def _shipped(name: str, channel: str, locale: str) -> TextTemplate | None:
    """The shipped text of `name` on `channel`, if there is one (replies have no email;
    WhatsApp sends the SMS text)."""
    try:
        return default_template(name, Channel(channel), locale)
    except (KeyError, ValueError):
        return None


def _channel_rank(row: Row) -> int:
    return [channel.value for channel in TEMPLATE_CHANNELS].index(row.channel)


# --- a new text --------------------------------------------------------------------


@bp.get("/new")
@owner_required
def new():
    """The editor for a new text; `?name=&channel=&locale=` fill it with the shipped
    text, or open the business's own text when it has one already."""
    business = current_user.business
    form = _new_form()
    name = request.args.get("name", "").strip()[:200]
    channel = request.args.get("channel", Channel.SMS.value)
    locale = request.args.get("locale") or resolve_locale(business.locale)
    if channel not in {c.value for c in TEMPLATE_CHANNELS} or locale not in SUPPORTED_LOCALES:
        abort(404)
    if name:
        existing = _find(name, channel, locale)
        if existing is not None:
            return redirect(url_for(".edit", template_id=existing.id))
    form.name.data, form.channel.data, form.locale.data = name, channel, locale
    text = _shipped(name, channel, locale) if name else None
    if text is not None:
        form.body.data, form.subject.data = text.body, text.subject
    return _editor(form, None)


@bp.post("/new")
@owner_required
def create():
    form = _new_form()
    if not form.validate_on_submit():
        return _editor(form, None, status=_refused_status(form))
    data = {
        "name": form.name.data,
        "channel": form.channel.data,
        "locale": form.locale.data,
        "body": form.body.data or "",
        "subject": (form.subject.data or None) if form.channel.data == Channel.EMAIL else None,
    }
    if "preview" in request.form:
        return _editor(form, None, preview=_preview_or_error(form, data))
    try:
        template = service.create_template(db.session, current_user.business, data, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _attach(form, error)
        return _editor(form, None, status=422)
    flash(_("Text saved."), "success")
    return redirect(url_for(".edit", template_id=template.id))


def _new_form() -> TemplateForm:
    form = TemplateForm()
    form.channel.choices = [(c.value, str(CHANNEL_WORDS[c])) for c in TEMPLATE_CHANNELS]
    form.locale.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LOCALES]
    return form


# --- a stored text -----------------------------------------------------------------


@bp.get("/<id:template_id>")
@owner_required
def edit(template_id: int):
    template = _template(template_id)
    form = TextForm(data={"subject": template.subject, "body": template.body})
    return _editor(form, template)


@bp.post("/<id:template_id>")
@owner_required
def update(template_id: int):
    template = _template(template_id)
    form = TextForm()
    if not form.validate_on_submit():
        return _editor(form, template, status=_refused_status(form))
    changes: dict[str, Any] = {"body": form.body.data or ""}
    if template.channel == Channel.EMAIL:
        changes["subject"] = form.subject.data or None
    if "preview" in request.form:
        data = {"channel": template.channel, "locale": template.locale, **changes}
        return _editor(form, template, preview=_preview_or_error(form, data))
    try:
        service.update_template(db.session, current_user.business, template, changes, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _attach(form, error)
        # The rollback expired the row; the page shows what was typed, not the row.
        return _editor(form, _template(template_id), status=422)
    flash(_("Text saved."), "success")
    return redirect(url_for(".edit", template_id=template.id))


@bp.post("/<id:template_id>/delete")
@owner_required
def delete(template_id: int):
    template = _template(template_id)
    try:
        service.delete_template(db.session, current_user.business, template)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return redirect(url_for(".edit", template_id=template_id))
    flash(_("Text deleted; the shipped text is used again where there is one."), "success")
    return redirect(url_for(".index"))


def _template(template_id: int) -> Template:
    try:
        return service.get_template(db.session, current_user.business, template_id)
    except NotFound:
        abort(404)


def _find(name: str, channel: str, locale: str) -> Template | None:
    return db.session.scalar(
        select(Template).where(
            Template.business_id == current_user.business.id,
            Template.name == name,
            Template.channel == channel,
            Template.locale == locale,
        )
    )


# --- the preview -------------------------------------------------------------------


@bp.post("/preview")
@owner_required
def preview():
    """The preview fragment for the typed text (the editor's script posts the form here
    as the owner types); 422 with the reason when the text does not render."""
    form = request.form
    channel = form.get("channel", "")
    locale = form.get("locale", "")
    if "template_id" in form:
        template = _template(form.get("template_id", type=int) or 0)
        channel, locale = template.channel, template.locale
    data = {
        "channel": channel,
        "locale": locale,
        "body": form.get("body", ""),
        "subject": form.get("subject") or None,
    }
    result = _preview(data)
    status = 422 if isinstance(result, DomainError) else 200
    context = _preview_context(result, data["body"])
    return render_template("templates_preview.html", **context), status


def _preview(data: dict[str, Any]) -> Preview | DomainError:
    """Render the text as sending would, or the refusal saving would give (the service's
    `preview_text` runs the checks of saving); nothing is written."""
    channel = data.get("channel")
    subject = data.get("subject")
    try:
        return preview_text(
            db.session,
            current_user.business,
            channel=channel,
            locale=data.get("locale"),
            body=data.get("body") or "",
            subject=subject if channel == Channel.EMAIL else None,
            now=utcnow(),
        )
    except DomainError as error:
        return error


def _preview_or_error(form, data: dict[str, Any]) -> Preview | DomainError:
    """The no-script preview: the fragment in the page, the refusal under its field."""
    result = _preview(data)
    if isinstance(result, DomainError):
        _attach(form, result)
    return result


def _preview_context(result: Preview | DomainError | None, source: str = "") -> dict[str, Any]:
    """What the preview fragment shows; `source` is the typed body, offered back with
    GSM-7 stand-ins when they change it."""
    if result is None:
        return {"preview": None, "refusal": None}
    if isinstance(result, DomainError):
        # A text too long for an SMS still shows what it would cost.
        count = result.params if result.code == "sms_too_long" else None
        return {
            "preview": None,
            "refusal": _refusal(result),
            "refused_field": result.field,
            "refused_count": count,
        }
    marked = set(result.non_gsm_characters)
    return {
        "preview": result,
        "refusal": None,
        "pieces": _pieces(result.text, marked, result.booking_link_gaps),
        "gap_words": str(BOOKING_LINK_GAP_WORDS),
        "forcing": [_visible(c) for c in result.non_gsm_characters],
        "source_suggestion": (
            suggested
            if result.encoding and (suggested := gsm7_suggestion(source)) != source
            else None
        ),
    }


def _pieces(text: str, marked: set[str], gaps: tuple[int, ...] = ()) -> list[tuple[str, str]]:
    """`text` in runs, each of a kind: "ucs2" for characters that force UCS-2, "" for the
    rest, and an empty "gap" run where the missing booking link would stand."""
    pieces: list[tuple[str, str]] = []
    for at, character in enumerate([*text, None]):
        pieces.extend(("", "gap") for _gap in range(gaps.count(at)))
        if character is None:
            break
        kind = "ucs2" if character in marked else ""
        if pieces and pieces[-1][1] == kind:
            pieces[-1] = (pieces[-1][0] + character, kind)
        else:
            pieces.append((character, kind))
    return pieces


def _visible(character: str) -> str:
    """A character as the owner can see it (a no-break space is invisible)."""
    return f"U+{ord(character):04X}" if character.isspace() else character


# --- the page ----------------------------------------------------------------------


def _editor(form, template: Template | None, *, preview=None, status: int = 200):
    business = current_user.business
    channel = template.channel if template is not None else (form.channel.data or "sms")
    locale = template.locale if template is not None else form.locale.data
    if preview is None:
        # Also after a refused save: the pane shows the typed text, or why it is refused.
        body = form.body.data or ""
        if body.strip():
            preview = _preview(
                {"channel": channel, "locale": locale, "body": body, "subject": form.subject.data}
            )
    if isinstance(preview, DomainError) and not _has_errors(form):
        _attach(form, preview)
    return (
        render_template(
            "templates_edit.html",
            form=form,
            template=template,
            channel=channel,
            locale=locale,
            variables=_variables(locale),
            booking_link=BOOKING_LINK,
            has_booking_link=bool(business.booking_url),
            channel_words=CHANNEL_WORDS,
            language_names=LANGUAGE_NAMES,
            text_words=text_words,
            is_reply=template is not None and template.name in service.reply_names(),
            **_preview_context(preview, form.body.data or ""),
        ),
        status,
    )


def _variables(locale: str | None) -> list[Variable]:
    """What the picker offers: the placeholder context's variables, the usual ones first
    in words, each with its placeholder value as the example."""
    context = placeholder_context(
        db.session, current_user.business, resolve_locale(locale), now=utcnow()
    )
    found: dict[str, Any] = {}
    for key, value in context.items():
        if key in REPLY_ONLY or key == BOOKING_LINK:
            continue  # the booking link has its own button
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                if not isinstance(sub_value, dict | list) and sub != BOOKING_LINK:
                    found[f"{key}.{sub}"] = sub_value
        elif not isinstance(value, list):
            found[key] = value
    ordered = [name for name in VARIABLE_WORDS if name in found]
    ordered += sorted(name for name in found if name not in VARIABLE_WORDS)
    return [
        Variable(
            name,
            str(VARIABLE_WORDS[name]) if name in VARIABLE_WORDS else None,
            "" if found[name] is None else str(found[name]),
        )
        for name in ordered
    ]


def _refused_status(form) -> int:
    """400 for a missing or stale CSRF token, 422 for a value the form refuses."""
    return 400 if "csrf_token" in form.errors else 422


def _has_errors(form) -> bool:
    return any(f.errors for f in form)


def _attach(form, error: DomainError) -> None:
    """Put a service refusal under the form field it names (the body otherwise)."""
    target = form[error.field] if error.field and error.field in form else form.body
    if not isinstance(target.errors, list):
        target.errors = list(target.errors)
    target.errors.append(_refusal(error))


def _refusal(error: DomainError) -> str:
    """A service refusal as a sentence in the user's language, with its figures."""
    params = dict(error.params)
    words = (
        (params.get("line") and REFUSALS.get((error.code, "line")))
        or REFUSALS.get((error.code, error.field))
        or REFUSALS.get((error.code, None))
    )
    if words is None:
        return str(OTHER_REFUSAL)
    for figure in ("limit", "characters"):
        if isinstance(params.get(figure), int):
            params[figure] = format_decimal(params[figure])
    if "variable" in params:
        params["variable"] = "{{ " + str(params["variable"]) + " }}"
    return str(words) % params

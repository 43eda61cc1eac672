"""The owner's notification rules page: `/rules` per record kind with its bulk changes, one
rule's form (`/rules/new`, `/rules/<id>`) and its deletion; the checks are
`bot.services.rule_checks`', and this module only maps the form onto the service's fields and a
refusal back onto the form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import (
    AppointmentStatus,
    NotificationRule,
    RecordKind,
)
from bot.services import rules as service
from bot.services.catalogue import list_locations
from bot.services.commands import RuleChanges
from bot.services.rule_bulk import BulkAction, bulk_change
from bot.services.rule_checks import REBOOK_MODES, STATUS_TRIGGERS, TRIGGERS_BY_KIND
from bot.services.statuses import list_statuses
from bot.web.roles import owner_required
from bot.web.template_editor import notice_text_names, text_words
from bot.web.words import (
    APPOINTMENT_STATUS_WORDS,
    AUDIENCE_WORDS,
    CHANNEL_CHOICE_WORDS,
    NOTICE_WORDS,
    TRIGGER_WORDS,
    lead_in_words,
    split_minutes,
)
from outbound.policy.vocabulary import Audience, ChannelChoice, Notice, Trigger

# "rules" is the API's blueprint (/api/v1/rules); the pages take the next name.
bp = Blueprint("rules_pages", __name__)

# --- the page's own words --------------------------------------------------------

KIND_TABS = {
    RecordKind.APPOINTMENT: _l("Appointments"),
    RecordKind.ORDER: _l("Orders"),
    RecordKind.INQUIRY: _l("Inquiries"),
}
UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60}
UNIT_WORDS = {"minutes": _l("minutes"), "hours": _l("hours"), "days": _l("days")}
REBOOK_MODE_WORDS = {
    "after_visit": _l("days after the visit"),
    "predicted": _l("days before the predicted next visit"),
}
BULK_ACTION_WORDS = {
    BulkAction.SET_CHANNEL: _l("Change channel"),
    BulkAction.SET_TEMPLATE: _l("Change template"),
    BulkAction.DELETE: _l("Delete"),
}
# A service refusal names a rule field; the form shows it next to its own field.
FORM_FIELD = {
    "offset_minutes": "offset_value",
    "delay_minutes": "delay_value",
    "all_locations": "location_ids",
}
BULK_FIELD = {"ids": "rule_ids", "action": "action", "channel": "channel"}
# What the owner reads when the service refuses a field: one sentence per field that
# covers every reason the service has for it, without the API's field names.
REFUSAL_WORDS = {
    "name": _l("Give the rule a name of at most 200 characters."),
    "trigger": _l(
        "Records of this kind cannot use this trigger: inquiries only on creation and on a "
        "change to a given status; orders have no rebooking and no online requests."
    ),
    "trigger_status": _l("Choose one of this kind's statuses; “status changed to …” needs one."),
    "offset_minutes": _l(
        "Say how long before the start the reminder goes out: at least 1 minute, at most 365 days."
    ),
    "delay_minutes": _l(
        "A delay from 0 minutes to 90 days; reminders and rebooking nudges are timed by "
        "their own settings and take no delay."
    ),
    "rebook_mode": _l("Choose when the rebooking nudge goes out."),
    "rebook_days": _l("Give a number of days from 1 to 365."),
    "send_time": _l("Give a time of day, such as 10:00."),
    "audience": _l("A rebooking nudge goes to the customer."),
    "channel": _l("Notices to the business itself go by email only."),
    "template_name": _l("Choose one of the notice texts."),
    "location_ids": _l("Choose locations of this business."),
}


# --- the form and the service's fields (pure) --------------------------------------


def to_minutes(amount: int | None, unit: str) -> int | None:
    """An amount in `unit` (minutes, hours, days) as minutes; None stays None."""
    if amount is None:
        return None
    return amount * UNIT_MINUTES[unit]


def service_changes(values: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    """The form's values as the fields `bot.services.rules` takes.

    Amounts with a unit become minutes. A field that does not apply to the chosen
    trigger (a reminder lead on a "created" rule, rebook timing on a reminder) is sent
    as null, so the owner may leave it filled in; no location chosen means all
    locations. A blank name on a new rule lets the service name it.
    """
    trigger = values.get("trigger")
    changes: dict[str, Any] = {
        "trigger": trigger,
        "notice": values.get("notice"),
        "audience": values.get("audience"),
        "channel": values.get("channel"),
        "template_name": (values.get("template_name") or "").strip() or None,
        "delay_minutes": to_minutes(values.get("delay_value") or 0, values["delay_unit"]),
        "working_hours_only": bool(values.get("working_hours_only")),
        "enabled": bool(values.get("enabled")),
        "location_ids": list(values.get("location_ids") or ()),
        "trigger_status": None,
        "offset_minutes": None,
        "rebook_mode": None,
        "rebook_days": None,
        "send_time": None,
    }
    changes["all_locations"] = not changes["location_ids"]
    name = (values.get("name") or "").strip()
    if name or not new:
        changes["name"] = name
    if trigger in STATUS_TRIGGERS:
        changes["trigger_status"] = values.get("trigger_status") or None
    if trigger == Trigger.REMINDER:
        changes["offset_minutes"] = to_minutes(values.get("offset_value"), values["offset_unit"])
    if trigger == Trigger.REBOOK:
        changes["rebook_mode"] = values.get("rebook_mode") or None
        changes["rebook_days"] = values.get("rebook_days")
        changes["send_time"] = values.get("send_time")
    return changes


def form_values(rule: NotificationRule) -> dict[str, Any]:
    """A stored rule as the form's values."""
    delay_value, delay_unit = split_minutes(rule.delay_minutes)
    offset_value, offset_unit = split_minutes(rule.offset_minutes)
    if rule.offset_minutes is None:
        offset_unit = "hours"
    return {
        "name": rule.name,
        "trigger": rule.trigger.value,
        "trigger_status": rule.trigger_status or "",
        "notice": rule.notice.value,
        "template_name": rule.template_name or "",
        "audience": rule.audience.value,
        "channel": rule.channel.value,
        "delay_value": delay_value,
        "delay_unit": delay_unit,
        "working_hours_only": rule.working_hours_only,
        "location_ids": sorted(location.id for location in rule.locations),
        "offset_value": offset_value,
        "offset_unit": offset_unit,
        "rebook_mode": rule.rebook_mode or "",
        "rebook_days": rule.rebook_days,
        "send_time": rule.send_time,
        "enabled": rule.enabled,
    }


# --- words for a rule in the list ------------------------------------------------


def timing_words(rule: NotificationRule) -> str:
    """When the rule's notice goes out, in words."""
    if rule.trigger == Trigger.REMINDER and rule.offset_minutes:
        words = _("%(amount)s before the start", amount=lead_in_words(rule.offset_minutes))
    elif rule.trigger == Trigger.REBOOK and rule.rebook_days:
        at = (rule.send_time or time(10, 0)).strftime("%H:%M")
        if rule.rebook_mode == "predicted":
            words = ngettext(
                "%(num)d day before the predicted next visit, at %(time)s",
                "%(num)d days before the predicted next visit, at %(time)s",
                rule.rebook_days,
                time=at,
            )
        else:
            words = ngettext(
                "%(num)d day after the visit, at %(time)s",
                "%(num)d days after the visit, at %(time)s",
                rule.rebook_days,
                time=at,
            )
    elif rule.delay_minutes:
        words = _("%(amount)s later", amount=lead_in_words(rule.delay_minutes))
    else:
        words = _("at once")
    if rule.working_hours_only:
        words = _("%(timing)s, in working hours only", timing=words)
    return words


def trigger_words(rule: NotificationRule, status_names: Mapping[str, str]) -> str:
    if rule.trigger_status:
        status = status_names.get(rule.trigger_status, rule.trigger_status)
        if rule.trigger == Trigger.CREATED:
            return _("created as %(status)s", status=status)
        return _("status changed to %(status)s", status=status)
    return str(TRIGGER_WORDS[rule.trigger])


# --- choices ----------------------------------------------------------------------


def _status_names(kind: RecordKind) -> dict[str, str]:
    """The kind's statuses, code → name: the fixed ones of appointments, the business's
    own for orders and inquiries."""
    if kind == RecordKind.APPOINTMENT:
        return {status.value: str(APPOINTMENT_STATUS_WORDS[status]) for status in AppointmentStatus}
    definitions = list_statuses(db.session, current_user.business, kind)
    return {definition.code: definition.label for definition in definitions}


def _template_choices() -> list[tuple[str, str]]:
    """The texts a rule may send, name → words: notice texts, not the bot's replies."""
    return [(name, text_words(name)) for name in notice_text_names()]


def _with_current(choices: list[tuple[str, str]], current: str | None) -> list[tuple[str, str]]:
    if current and current not in {value for value, _label in choices}:
        return [*choices, (current, current)]
    return choices


def _kind_from(value: str | None) -> RecordKind:
    try:
        return RecordKind(value or RecordKind.APPOINTMENT)
    except ValueError:
        abort(404)


# --- the form ---------------------------------------------------------------------


class RuleForm(FlaskForm):
    name = StringField(_l("Name"))
    trigger = SelectField(_l("When"))
    trigger_status = SelectField(_l("Status"), validate_choice=False)
    notice = SelectField(_l("Notice"))
    template_name = SelectField(_l("Template"), validate_choice=False)
    audience = SelectField(_l("To"))
    channel = SelectField(_l("Channel"))
    delay_value = IntegerField(
        _l("Delay after the event"),
        validators=[Optional(), NumberRange(min=0, message=_l("Give 0 or more."))],
        default=0,
    )
    delay_unit = SelectField(_l("Unit of the delay"), default="minutes")
    working_hours_only = BooleanField(_l("Only in working hours"))
    location_ids = SelectMultipleField(
        _l("Locations"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    offset_value = IntegerField(
        _l("Reminder: how long before the start"),
        validators=[Optional(), NumberRange(min=1, message=_l("Give 1 or more."))],
    )
    offset_unit = SelectField(_l("Unit of the reminder time"), default="hours")
    rebook_mode = SelectField(_l("Rebooking nudge"), default="")
    rebook_days = IntegerField(
        _l("Number of days"),
        validators=[Optional(), NumberRange(min=1, message=_l("Give 1 or more."))],
    )
    send_time = TimeField(_l("Time of day"), validators=[Optional()])
    enabled = BooleanField(_l("Enabled"), default=True)


def _rule_form(kind: RecordKind, **kwargs) -> RuleForm:
    form = RuleForm(**kwargs)
    form.trigger.choices = [
        (trigger.value, str(TRIGGER_WORDS[trigger])) for trigger in TRIGGERS_BY_KIND[kind]
    ]
    statuses = [("", _("— any / none —"))] + list(_status_names(kind).items())
    form.trigger_status.choices = _with_current(statuses, form.trigger_status.data)
    form.notice.choices = [(notice.value, str(NOTICE_WORDS[notice])) for notice in Notice]
    templates = [("", _("the notice's default text")), *_template_choices()]
    current = form.template_name.data
    form.template_name.choices = (
        [*templates, (current, text_words(current))]
        if current and current not in {value for value, _label in templates}
        else templates
    )
    form.audience.choices = [
        (audience.value, str(AUDIENCE_WORDS[audience])) for audience in Audience
    ]
    form.channel.choices = [
        (choice.value, str(CHANNEL_CHOICE_WORDS[choice])) for choice in ChannelChoice
    ]
    units = [(unit, str(words)) for unit, words in UNIT_WORDS.items()]
    form.delay_unit.choices = units
    form.offset_unit.choices = units
    form.location_ids.choices = [
        (location.id, location.name)
        for location in list_locations(db.session, current_user.business)
    ]
    form.rebook_mode.choices = [("", _("— not a rebooking rule —"))] + [
        (mode, str(REBOOK_MODE_WORDS[mode])) for mode in REBOOK_MODES
    ]
    return form


def _refuse(form: RuleForm, error: DomainError) -> None:
    """Put a service refusal next to the form field it concerns."""
    field = error.field or ""
    name = FORM_FIELD.get(field, field)
    # A field the form does not show (none today) puts the message under the name.
    target = form[name] if name in form else form.name
    words = REFUSAL_WORDS.get(field)
    target.errors = [*target.errors, str(words) if words else error.message]


def _form_page(form: RuleForm, kind: RecordKind, rule: NotificationRule | None, status=200):
    page = render_template(
        "rules_form.html",
        form=form,
        kind=kind,
        rule=rule,
        kind_tabs=KIND_TABS,
        triggers_with_status=[trigger.value for trigger in STATUS_TRIGGERS],
    )
    return page, status


def _owned_rule(rule_id: int) -> NotificationRule:
    try:
        return service.get_rule(db.session, current_user.business, rule_id)
    except NotFound:
        abort(404)


# --- the list and bulk changes ----------------------------------------------------


@bp.get("/rules")
@owner_required
def index():
    return _list_page(_kind_from(request.args.get("kind")))


def _list_page(kind: RecordKind, *, errors=None, chosen=(), bulk=None, status=200):
    rules = service.list_rules(db.session, current_user.business, kind)
    status_names = _status_names(kind)
    page = render_template(
        "rules_list.html",
        kind=kind,
        kind_tabs=KIND_TABS,
        rules=rules,
        trigger_words={rule.id: trigger_words(rule, status_names) for rule in rules},
        timing_words=timing_words,
        notice_words=NOTICE_WORDS,
        channel_words=CHANNEL_CHOICE_WORDS,
        audience_words=AUDIENCE_WORDS,
        action_words=BULK_ACTION_WORDS,
        template_choices=_template_choices(),
        text_words=text_words,
        errors=errors or {},
        chosen=set(chosen),
        bulk=bulk or {},
    )
    return page, status


@bp.post("/rules/bulk")
@owner_required
def bulk():
    kind = _kind_from(request.form.get("kind"))
    bulk = {
        "action": request.form.get("action", ""),
        "channel": request.form.get("channel", ""),
        "template_name": request.form.get("template_name", ""),
    }
    try:
        ids = [int(value) for value in request.form.getlist("rule_ids")]
    except ValueError:
        ids = []
    if not ids:
        errors = {"rule_ids": _("Select at least one rule first.")}
        return _list_page(kind, errors=errors, bulk=bulk, status=422)
    action = bulk["action"]
    if action == BulkAction.DELETE and request.form.get("confirmed") != "1":
        return _confirm_delete_page(kind, ids, bulk)
    try:
        outcome = bulk_change(
            db.session,
            current_user.business,
            ids,
            action,
            template_name=bulk["template_name"] or None
            if action == BulkAction.SET_TEMPLATE
            else None,
            channel=bulk["channel"] if action == BulkAction.SET_CHANNEL else None,
        )
    except DomainError as error:
        db.session.rollback()
        field = BULK_FIELD.get(error.field or "", error.field or "action")
        if isinstance(error, NotFound):
            message = _("One of the selected rules does not exist (any more).")
        elif error.field == "channel":
            message = _(
                "Notices to the business itself go by email only: leave those rules out "
                "or choose Email."
            )
        else:
            message = str(REFUSAL_WORDS.get(error.field or "", error.message))
        return _list_page(kind, errors={field: message}, chosen=ids, bulk=bulk, status=error.status)
    db.session.commit()
    if action == BulkAction.DELETE:
        flash(
            ngettext("%(num)d rule deleted.", "%(num)d rules deleted.", len(outcome.deleted))
            + " "
            + ngettext(
                "%(num)d planned notice withdrawn.",
                "%(num)d planned notices withdrawn.",
                outcome.cancelled_notifications,
            ),
            "info",
        )
    else:
        flash(
            ngettext("%(num)d rule changed.", "%(num)d rules changed.", len(outcome.rules)), "info"
        )
    return redirect(url_for("rules_pages.index", kind=kind.value))


def _confirm_delete_page(kind: RecordKind, ids: list[int], bulk: dict[str, str]):
    """The step before a bulk delete: the chosen rules by name, "Delete N rules" posting
    the same choice confirmed, and "Cancel" back to the list; nothing is deleted yet."""
    try:
        chosen = [service.get_rule(db.session, current_user.business, rule_id) for rule_id in ids]
    except NotFound:
        message = _("One of the selected rules does not exist (any more).")
        return _list_page(kind, errors={"rule_ids": message}, chosen=ids, bulk=bulk, status=404)
    page = render_template(
        "rules_confirm_delete.html",
        kind=kind,
        rules=chosen,
        notice_words=NOTICE_WORDS,
        channel_words=CHANNEL_CHOICE_WORDS,
    )
    return page, 200


# --- one rule ---------------------------------------------------------------------


@bp.get("/rules/new")
@owner_required
def new():
    kind = _kind_from(request.args.get("kind"))
    return _form_page(_rule_form(kind), kind, None)


@bp.post("/rules/new")
@owner_required
def create():
    kind = _kind_from(request.args.get("kind") or request.form.get("kind"))
    form = _rule_form(kind)
    if form.validate_on_submit():
        changes = {"kind": kind.value, **service_changes(form.data, new=True)}
        try:
            rule = service.create_rule(
                db.session, current_user.business, RuleChanges.from_fields(changes)
            )
        except DomainError as error:
            db.session.rollback()
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("The rule “%(name)s” is saved.", name=rule.name), "info")
            return redirect(url_for("rules_pages.index", kind=kind.value))
    return _form_page(form, kind, None, 422)


@bp.get("/rules/<id:rule_id>")
@owner_required
def edit(rule_id: int):
    rule = _owned_rule(rule_id)
    return _form_page(_rule_form(rule.kind, data=form_values(rule)), rule.kind, rule)


@bp.post("/rules/<id:rule_id>")
@owner_required
def update(rule_id: int):
    rule = _owned_rule(rule_id)
    kind = rule.kind
    form = _rule_form(kind)
    if form.validate_on_submit():
        try:
            changes = RuleChanges.from_fields(service_changes(form.data, new=False))
            service.update_rule(db.session, current_user.business, rule, changes)
        except DomainError as error:
            db.session.rollback()
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("The rule “%(name)s” is saved.", name=rule.name), "info")
            return redirect(url_for("rules_pages.index", kind=kind.value))
    rule = _owned_rule(rule_id)  # as stored: the refused change was rolled back
    return _form_page(form, kind, rule, 422)


@bp.post("/rules/<id:rule_id>/delete")
@owner_required
def delete(rule_id: int):
    rule = _owned_rule(rule_id)
    kind, name = rule.kind, rule.name
    withdrawn = service.delete_rule(db.session, current_user.business, rule)
    db.session.commit()
    flash(
        _("The rule “%(name)s” is deleted.", name=name)
        + " "
        + ngettext(
            "%(num)d planned notice withdrawn.", "%(num)d planned notices withdrawn.", withdrawn
        ),
        "info",
    )
    return redirect(url_for("rules_pages.index", kind=kind.value))

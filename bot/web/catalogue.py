"""The owner's catalogue pages under /settings: locations with their opening hours,
staff members, services with their rebook intervals, and the business's own statuses
for orders and inquiries (R4.1).

Every view is `owner_required` and scoped to `current_user.business`; another
business's id is a 404. The rules live in `bot.services.catalogue` and
`bot.services.statuses`, the ones the API uses, so the web and the API agree; this
module reads the forms, maps a service's DomainError to the field it names, and
re-renders with 422 and everything typed. Opening hours are a grid of text inputs,
`hours-<weekday>-<row>-opens` / `-closes` (weekday 0 = Monday); a day whose rows are
all empty is closed, and each day offers one empty row more than it has ranges, at
least two (a lunch break), without any script; `static/catalogue_hours.js` only adds
rows in place ("Add a range").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from bot.errors import Conflict, DomainError, NotFound
from bot.extensions import db
from bot.models import AppointmentStatus, Location, RecordKind
from bot.services import catalogue, statuses
from bot.services import users as user_service
from bot.web.roles import owner_required
from bot.web.words import APPOINTMENT_STATUS_WORDS, RECORD_KIND_WORDS

bp = Blueprint("catalogue", __name__, url_prefix="/settings")

MIN_ROWS = 2  # two ranges a day without a script: a lunch break
MAX_ROWS = 6  # what a form may send per day; more is not a shop's week
KIND_HEADINGS = {RecordKind.ORDER: _l("Work orders"), RecordKind.INQUIRY: _l("Inquiries")}
CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


# --- forms --------------------------------------------------------------------------


def _name_field():
    return StringField(
        _l("Name"),
        validators=[
            InputRequired(message=_l("Enter a name.")),
            Length(max=200, message=_l("Use at most %(max)d characters.", max=200)),
        ],
    )


class LocationForm(FlaskForm):
    name = _name_field()
    address = TextAreaField(
        _l("Address"),
        validators=[Length(max=1000, message=_l("Use at most %(max)d characters.", max=1000))],
    )


class StaffForm(FlaskForm):
    name = _name_field()


class StaffEditForm(FlaskForm):
    name = _name_field()
    active = BooleanField(_l("Active (still works here)"))


class ServiceForm(FlaskForm):
    name = _name_field()
    category = StringField(
        _l("Category"),
        validators=[Length(max=200, message=_l("Use at most %(max)d characters.", max=200))],
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        default=30,
        validators=[
            InputRequired(message=_l("Enter the duration in minutes.")),
            NumberRange(1, 24 * 60, message=_l("Enter a duration from 1 to 1440 minutes.")),
        ],
    )
    rebook_interval_days = IntegerField(
        _l("Rebook interval in days"),
        validators=[
            Optional(),
            NumberRange(1, 3650, message=_l("Enter a number of days from 1 to 3650.")),
        ],
    )


def _position_field():
    return IntegerField(
        _l("Position"),
        validators=[
            Optional(),
            NumberRange(0, 10_000, message=_l("Enter a whole number from 0 to 10000.")),
        ],
    )


def _label_field():
    return StringField(
        _l("Label"),
        validators=[
            InputRequired(message=_l("Enter a label.")),
            Length(max=200, message=_l("Use at most %(max)d characters.", max=200)),
        ],
    )


class StatusForm(FlaskForm):
    kind = SelectField(_l("For"), default=RecordKind.ORDER.value)
    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Enter a code."))])
    label = _label_field()
    position = _position_field()


class StatusEditForm(FlaskForm):
    label = _label_field()
    position = _position_field()


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(KIND_HEADINGS[kind])) for kind in statuses.DEFINABLE_KINDS]


def _status_form(**data) -> StatusForm:
    form = StatusForm(data=data) if data else StatusForm()
    form.kind.choices = _kind_choices()
    return form


# --- shared helpers -----------------------------------------------------------------


def _owned(getter: Callable, row_id: int):
    """The business's row `row_id` by a service getter; 404 for anyone else's."""
    try:
        return getter(db.session, current_user.business, row_id)
    except NotFound:
        abort(404)


def _refused(form: FlaskForm, error: DomainError, fallback: str) -> None:
    """Put a service's refusal next to the field it names (or `fallback`)."""
    db.session.rollback()
    target = getattr(form, error.field or "", None) or getattr(form, fallback)
    target.errors = [*target.errors, error.message]


def _saved(message: str, endpoint: str):
    db.session.commit()
    flash(message, "info")
    return redirect(url_for(endpoint))


def day_names(width: str = "wide") -> list[str]:
    """Monday … Sunday in the page's language."""
    names = get_day_names(width, locale=get_locale())
    return [names[weekday] for weekday in range(7)]


# --- opening hours ------------------------------------------------------------------


@dataclass
class Day:
    """One weekday's rows in the hours form: what was typed, and what is wrong."""

    weekday: int
    name: str
    rows: list[tuple[str, str]]
    errors: list[str] = field(default_factory=list)


def typed_rows(form: Mapping[str, str]) -> dict[int, list[tuple[str, str]]]:
    """The opening-hours rows as typed, per weekday, blank rows included."""
    rows: dict[int, list[tuple[str, str]]] = {}
    for weekday in range(7):
        rows[weekday] = [
            (
                form.get(f"hours-{weekday}-{row}-opens", "").strip(),
                form.get(f"hours-{weekday}-{row}-closes", "").strip(),
            )
            for row in range(MAX_ROWS)
            if f"hours-{weekday}-{row}-opens" in form or f"hours-{weekday}-{row}-closes" in form
        ]
    return rows


def clock(text: str) -> time | None:
    """Read "9", "09:00" or "9.30" as a time of day; None for anything else ("25:00")."""
    match = CLOCK.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def checked_hours(
    rows: Mapping[int, list[tuple[str, str]]],
) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """The ranges for `update_location`, and the problems per weekday in words.

    Each day is checked on its own by the service's `checked_working_hours`, so a
    refusal lands next to the day it is about.
    """
    ranges: list[dict[str, Any]] = []
    problems: dict[int, list[str]] = {}
    for weekday, day_rows in rows.items():
        day: list[dict[str, Any]] = []
        errors: list[str] = []
        for opens_text, closes_text in day_rows:
            if not opens_text and not closes_text:
                continue
            if not opens_text or not closes_text:
                errors.append(_("Enter both the opening and the closing time of a range."))
                continue
            opens, closes = clock(opens_text), clock(closes_text)
            for text, value in ((opens_text, opens), (closes_text, closes)):
                if value is None:
                    errors.append(
                        _('"%(value)s" is not a time of day; write it as 09:00.', value=text)
                    )
            if opens is not None and closes is not None:
                day.append({"weekday": weekday, "opens": opens, "closes": closes})
        if not errors:
            try:
                catalogue.checked_working_hours(day)
            except DomainError as error:
                if error.code == "closes_before_opens":
                    errors.append(_("A range must open before it closes."))
                else:
                    errors.append(_("Two ranges overlap; a day's ranges must not."))
        if errors:
            problems[weekday] = errors
        ranges.extend(day)
    return ranges, problems


def saved_rows(location: Location | None) -> dict[int, list[tuple[str, str]]]:
    hours = catalogue.opening_hours(location)
    return {
        weekday: [(f"{opens:%H:%M}", f"{closes:%H:%M}") for opens, closes in hours.get(weekday, ())]
        for weekday in range(7)
    }


def form_days(
    rows: Mapping[int, list[tuple[str, str]]], problems: Mapping[int, list[str]] | None = None
) -> list[Day]:
    """The days for the form: the rows, then one empty row more, at least MIN_ROWS."""
    names = day_names()
    days = []
    for weekday in range(7):
        filled = [row for row in rows.get(weekday, []) if row != ("", "")]
        if problems and weekday in problems:
            filled = list(rows.get(weekday, []))  # as typed, blanks included
        count = min(MAX_ROWS, max(MIN_ROWS, len(filled) + 1))
        padded = filled + [("", "")] * (count - len(filled))
        days.append(Day(weekday, names[weekday], padded, list((problems or {}).get(weekday, []))))
    return days


def hours_summary(location: Location) -> list[tuple[str, str]]:
    """(day, "09:00–12:00, 13:00–18:00" or "closed") for the list of locations."""
    hours = catalogue.opening_hours(location)
    names = day_names("abbreviated")
    return [
        (
            names[weekday],
            ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in hours[weekday])
            if weekday in hours
            else _("closed"),
        )
        for weekday in range(7)
    ]


# --- locations ----------------------------------------------------------------------


@bp.get("/locations")
@owner_required
def locations():
    rows = catalogue.list_locations(db.session, current_user.business)
    return render_template("catalogue_locations.html", locations=rows, hours_summary=hours_summary)


@bp.route("/locations/new", methods=["GET", "POST"])
@owner_required
def new_location():
    form = LocationForm()
    if request.method == "POST":
        return _save_location(form, None)
    return _location_page(form, None, form_days(saved_rows(None)))


@bp.route("/locations/<id:location_id>", methods=["GET", "POST"])
@owner_required
def edit_location(location_id: int):
    location = _owned(catalogue.get_location, location_id)
    if request.method == "POST":
        return _save_location(LocationForm(), location)
    form = LocationForm(data={"name": location.name, "address": location.address or ""})
    return _location_page(form, location, form_days(saved_rows(location)))


def _location_page(form, location, days, status=200):
    page = render_template(
        "catalogue_location.html", form=form, location=location, days=days, max_rows=MAX_ROWS
    )
    return page, status


def _save_location(form: LocationForm, location: Location | None):
    rows = typed_rows(request.form)
    ranges, problems = checked_hours(rows)
    if form.validate() and not problems:
        data = {
            "name": form.name.data,
            "address": (form.address.data or "").strip() or None,
            "working_hours": ranges,
        }
        business = current_user.business
        try:
            if location is None:
                catalogue.create_location(db.session, business, data)
            else:
                catalogue.update_location(db.session, business, location, data)
        except DomainError as error:
            _refused(form, error, "name")
        else:
            return _saved(_("The location %(name)s is saved.", name=data["name"]), ".locations")
    return _location_page(form, location, form_days(rows, problems), 422)


# --- staff --------------------------------------------------------------------------


@bp.get("/staff")
@owner_required
def staff():
    return _staff_page(StaffForm())


def _staff_page(form: StaffForm, status: int = 200):
    business = current_user.business
    users = {user.id: user for user in user_service.team(db.session, business)}
    members = catalogue.list_staff(db.session, business)
    page = render_template("catalogue_staff.html", form=form, members=members, users=users)
    return page, status


@bp.post("/staff")
@owner_required
def add_staff():
    form = StaffForm()
    if form.validate():
        try:
            member = catalogue.create_staff_member(
                db.session, current_user.business, {"name": form.name.data}
            )
        except DomainError as error:
            _refused(form, error, "name")
        else:
            return _saved(_("%(name)s is added to the staff.", name=member.name), ".staff")
    return _staff_page(form, 422)


@bp.route("/staff/<id:staff_id>", methods=["GET", "POST"])
@owner_required
def edit_staff(staff_id: int):
    member = _owned(catalogue.get_staff_member, staff_id)
    if request.method == "GET":
        form = StaffEditForm(data={"name": member.name, "active": member.active})
        return render_template("catalogue_staff_member.html", form=form, member=member)
    form = StaffEditForm()
    if form.validate():
        try:
            catalogue.update_staff_member(
                db.session,
                current_user.business,
                member,
                {"name": form.name.data, "active": form.active.data},
            )
        except DomainError as error:
            _refused(form, error, "name")
        else:
            return _saved(_("%(name)s is saved.", name=member.name), ".staff")
    return render_template("catalogue_staff_member.html", form=form, member=member), 422


@bp.post("/staff/<id:staff_id>/active")
@owner_required
def set_staff_active(staff_id: int):
    """Deactivate or reactivate (form value `active` = "0" or "1"): records keep them."""
    member = _owned(catalogue.get_staff_member, staff_id)
    active = request.form.get("active") == "1"
    catalogue.update_staff_member(db.session, current_user.business, member, {"active": active})
    if active:
        message = _("%(name)s is active again.", name=member.name)
    else:
        message = _("%(name)s is deactivated.", name=member.name)
    return _saved(message, ".staff")


# --- services -----------------------------------------------------------------------


@bp.get("/services")
@owner_required
def services():
    return _services_page(ServiceForm())


def _services_page(form: ServiceForm, status: int = 200):
    rows = catalogue.list_services(db.session, current_user.business)
    return render_template("catalogue_services.html", form=form, services=rows), status


def _service_data(form: ServiceForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "category": (form.category.data or "").strip() or None,
        "duration_minutes": form.duration_minutes.data,
        "rebook_interval_days": form.rebook_interval_days.data,
    }


@bp.post("/services")
@owner_required
def add_service():
    form = ServiceForm()
    if form.validate():
        try:
            service = catalogue.create_service(
                db.session, current_user.business, _service_data(form)
            )
        except DomainError as error:
            _refused(form, error, "name")
        else:
            return _saved(_("The service %(name)s is added.", name=service.name), ".services")
    return _services_page(form, 422)


@bp.route("/services/<id:service_id>", methods=["GET", "POST"])
@owner_required
def edit_service(service_id: int):
    service = _owned(catalogue.get_service, service_id)
    if request.method == "GET":
        form = ServiceForm(
            data={
                "name": service.name,
                "category": service.category or "",
                "duration_minutes": service.duration_minutes,
                "rebook_interval_days": service.rebook_interval_days,
            }
        )
        return render_template("catalogue_service.html", form=form, service=service)
    form = ServiceForm()
    if form.validate():
        try:
            catalogue.update_service(
                db.session, current_user.business, service, _service_data(form)
            )
        except DomainError as error:
            _refused(form, error, "name")
        else:
            return _saved(_("The service %(name)s is saved.", name=service.name), ".services")
    return render_template("catalogue_service.html", form=form, service=service), 422


# --- statuses -----------------------------------------------------------------------


@bp.get("/statuses")
@owner_required
def statuses_page():
    return _statuses_page(_status_form())


def _statuses_page(form: StatusForm, status: int = 200):
    business = current_user.business
    defined = statuses.list_statuses(db.session, business)
    own = {
        kind: [definition for definition in defined if definition.kind == kind]
        for kind in statuses.DEFINABLE_KINDS
    }
    built_in = [APPOINTMENT_STATUS_WORDS[value] for value in AppointmentStatus]
    page = render_template(
        "catalogue_statuses.html",
        form=form,
        own=own,
        kind_headings=KIND_HEADINGS,
        built_in=built_in,
    )
    return page, status


@bp.post("/statuses")
@owner_required
def add_status():
    form = _status_form()
    status = 422
    if form.validate():
        data = {"kind": form.kind.data, "code": form.code.data, "label": form.label.data}
        if form.position.data is not None:
            data["position"] = form.position.data
        try:
            definition = statuses.create_status(db.session, current_user.business, data)
        except Conflict as error:
            _refused(form, Conflict(_("This code exists already."), field=error.field), "code")
            status = error.status
        except DomainError as error:
            _refused(form, _status_problem(error), "code")
        else:
            return _saved(
                _("The status %(label)s is added.", label=definition.label), ".statuses_page"
            )
    return _statuses_page(form, status)


def _status_problem(error: DomainError) -> DomainError:
    """The service's refusal of a code in the page's language."""
    if error.field == "code":
        return DomainError(
            _(
                'Use lowercase letters a-z, digits and single "_" or "-" between them, at '
                "most 40 characters, e.g. ready_for_pickup."
            ),
            field="code",
        )
    return error


@bp.route("/statuses/<id:status_id>", methods=["GET", "POST"])
@owner_required
def edit_status(status_id: int):
    definition = _owned(statuses.get_status, status_id)
    if request.method == "GET":
        form = StatusEditForm(data={"label": definition.label, "position": definition.position})
        return render_template(
            "catalogue_status.html", form=form, definition=definition, kinds=RECORD_KIND_WORDS
        )
    form = StatusEditForm()
    if form.validate():
        changes: dict[str, Any] = {"label": form.label.data}
        if form.position.data is not None:
            changes["position"] = form.position.data
        try:
            statuses.update_status(db.session, current_user.business, definition, changes)
        except DomainError as error:
            _refused(form, error, "label")
        else:
            return _saved(
                _("The status %(label)s is saved.", label=definition.label), ".statuses_page"
            )
    page = render_template(
        "catalogue_status.html", form=form, definition=definition, kinds=RECORD_KIND_WORDS
    )
    return page, 422


@bp.post("/statuses/<id:status_id>/delete")
@owner_required
def delete_status(status_id: int):
    definition = _owned(statuses.get_status, status_id)
    label = definition.label
    try:
        statuses.delete_status(db.session, current_user.business, definition)
    except DomainError as error:
        db.session.rollback()
        flash(status_refusal(error, label), "error")
        return _statuses_page(_status_form(), error.status)
    return _saved(_("The status %(label)s is deleted.", label=label), ".statuses_page")


def status_refusal(error: DomainError, label: str) -> str:
    """Why the status `label` cannot be deleted, in the user's language: how many work
    orders or inquiries still have it, or which rule triggers on it."""
    params = error.params
    if error.code == "status_in_use" and "records" in params:
        count = params["records"]
        if params.get("kind") == RecordKind.INQUIRY:
            return ngettext(
                "%(num)d inquiry still has the status “%(label)s”; give it another status first.",
                "%(num)d inquiries still have the status “%(label)s”; give them another "
                "status first.",
                count,
                label=label,
            )
        return ngettext(
            "%(num)d work order still has the status “%(label)s”; give it another status first.",
            "%(num)d work orders still have the status “%(label)s”; give them another "
            "status first.",
            count,
            label=label,
        )
    if error.code == "status_in_use" and "rule" in params:
        return _(
            "The rule “%(rule)s” is set off by the status “%(label)s”; change or delete the "
            "rule first.",
            rule=params["rule"],
            label=label,
        )
    return _("The status “%(label)s” cannot be deleted.", label=label)

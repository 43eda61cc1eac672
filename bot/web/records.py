"""The appointments pages (`/records`): the day and week view per location and staff
member, the orders and inquiries without a time, the online requests waiting for an
answer, one record with its notices, and the form that creates, edits and moves
appointments, orders and inquiries.

Staff and owners both work here (`login_required`); every record is the user's
business's, another business's id is a 404. Views are thin: what a page shows comes
from `bot.services.calendar_view`, every change goes through
`bot.services.records.create_record` / `update_record`, which plan the notices, so a
change here tells the customer exactly as one through the API would, and "Notify the
customer" unticked tells them nothing (R1.7, R1.8), and the flash says what the change
planned for the customer. Times are typed and shown in the business's time zone (a time
the clocks skip is refused). The forms carry the record's version, so a save over someone
else's newer change is refused (409), and only the actions the page offers for the
record's state are carried out: which status an appointment may move to is
`bot.services.records.allowed_statuses`, which the inbox applies too. The business's
status labels are read once per request (`status_labels`), however many records show.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import DateTimeLocalInput, NumberInput

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import AppointmentStatus, Record, RecordKind, RecordSource, utcnow
from bot.services import calendar_view
from bot.services.catalogue import list_locations, list_services, list_staff
from bot.services.records import (
    allowed_statuses,
    create_record,
    get_record,
    may_become,
    planned_customer_notices,
    update_record,
)
from bot.web import MAX_ROW_ID
from bot.web.auth import safe_next
from bot.web.words import (
    APPOINTMENT_STATUS_WORDS,
    AUDIENCE_WORDS,
    CHANNEL_WORDS,
    NOTICE_WORDS,
    NOTIFICATION_STATUS_WORDS,
    RECORD_KIND_WORDS,
    moment_words,
    status_word,
    told_words,
)

# Not "records": the API's blueprint has that name, and Flask-WTF exempts blueprints from
# CSRF by name, so sharing it would switch the check off for these forms too.
bp = Blueprint("records_pages", __name__)

INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what a datetime-local input sends and shows
MAX_TITLE, MAX_NOTES = 200, 5000
# Statuses offered for orders and inquiries while the business has defined none of its
# own (then the records accept any code).
FALLBACK_STATUSES = {
    "open": _l("open"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "cancelled": _l("cancelled"),
}
STATUS_LABELS_KEY = "replydesk.status_labels"
SKIPPED_TIME = _l("This time does not exist on that day: the clocks go forward.")
NEW_WORDS = {
    RecordKind.APPOINTMENT: _l("New appointment"),
    RecordKind.ORDER: _l("New order"),
    RecordKind.INQUIRY: _l("New inquiry"),
}
# A service's refusal, by the field it names, in words next to that field.
FIELD_WORDS = {
    "starts_at": _l("An appointment needs a date and time."),
    "status": _l("Choose one of the statuses of this kind of record."),
    "customer_id": _l("Choose one of the business's customers."),
    "location_id": _l("Choose one of the business's locations."),
    "staff_id": _l("Choose one of the business's staff members."),
    "service_id": _l("Choose one of the business's services."),
    "duration_minutes": _l("Enter a duration from 1 to 1440 minutes."),
}


class RecordForm(FlaskForm):
    kind = SelectField(_l("Kind"), default=RecordKind.APPOINTMENT.value)
    customer_id = SelectField(
        _l("Customer"), validators=[InputRequired(message=_l("Choose a customer."))]
    )
    starts_at = StringField(_l("Date and time"), widget=DateTimeLocalInput())
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[
            Optional(),
            NumberRange(1, 24 * 60, message=_l("Enter a duration from 1 to 1440 minutes.")),
        ],
        widget=NumberInput(min=1, max=24 * 60),
    )
    location_id = SelectField(_l("Location"), default="")
    staff_id = SelectField(_l("Staff member"), default="")
    service_id = SelectField(_l("Service"), default="")
    status = SelectField(_l("Status"), default="")
    title = StringField(
        _l("Title"),
        validators=[Length(max=MAX_TITLE, message=_l("Use at most %(max)d characters."))],
    )
    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=MAX_NOTES, message=_l("Use at most %(max)d characters."))],
    )
    notify = BooleanField(_l("Notify the customer"), default=True)
    # The record as the form was opened: its version (bumped on a new time or status) and
    # a fingerprint of every value the form edits (the version does not change with the
    # notes), so a save over someone else's newer change is caught.
    version = HiddenField()
    seen = HiddenField()


# --- the day and the week ---------------------------------------------------------


@bp.get("/records")
@login_required
def index():
    business = current_user.business
    now = utcnow()
    view = request.args.get("view", "day")
    view = view if view in calendar_view.VIEWS else "day"
    today = calendar_view.today(business, now)
    day = _date_arg(request.args.get("date")) or today
    location_id = _int_arg("location_id")
    staff_id = _int_arg("staff_id")
    kind = request.args.get("kind", "")
    kind = kind if kind in tuple(RecordKind) else ""
    shown = calendar_view.window(business, view, day)
    records = calendar_view.records_between(
        db.session,
        business,
        shown.starts,
        shown.ends,
        location_id=location_id,
        staff_id=staff_id,
        kind=kind or None,
    )
    filters = {"location_id": location_id, "staff_id": staff_id, "kind": kind or None}
    untimed = []
    if kind != RecordKind.APPOINTMENT:
        untimed = calendar_view.untimed_records(
            db.session, business, location_id=location_id, staff_id=staff_id, kind=kind or None
        )
    return render_template(
        "records_index.html",
        shown=shown,
        today=today,
        by_day=calendar_view.by_local_day(records, business),
        untimed=untimed,
        requests=calendar_view.waiting_requests(db.session, business, now=now),
        locations=list_locations(db.session, business),
        staff_members=list_staff(db.session, business),
        filters=filters,
        kind=kind,
        link=lambda **changes: url_for(
            "records_pages.index",
            **{k: v for k, v in {"view": view, **filters, **changes}.items() if v},
        ),
        day_name=day_name,
        **_words(),
    )


# --- create and edit -----------------------------------------------------------------


@bp.route("/records/new", methods=["GET", "POST"])
@login_required
def new():
    business = current_user.business
    form = RecordForm()
    if request.method == "GET":
        kind = request.args.get("kind", "")
        form.kind.data = kind if kind in tuple(RecordKind) else RecordKind.APPOINTMENT.value
        day = _date_arg(request.args.get("date"))
        if day is not None:
            form.starts_at.data = f"{day.isoformat()}T09:00"
        customer = _int_arg("customer_id")
        if customer is not None:
            form.customer_id.data = str(customer)
    _fill_choices(form, None)
    if request.method == "GET":
        return _form_page(form, None, status=200)
    # The time is checked with the other fields, so every mistake shows at once.
    valid = form.validate_on_submit()
    starts_at = _starts_at(form, ZoneInfo(business.timezone))
    if not valid or starts_at is False:
        return _form_page(form, None, status=422)
    kind = RecordKind(form.kind.data)
    data = {
        "kind": kind,
        "customer_id": int(form.customer_id.data),
        "starts_at": starts_at,
        "duration_minutes": form.duration_minutes.data,
        "status": form.status.data or _default_status(kind),
        "source": RecordSource.CALENDAR,
        "title": (form.title.data or "").strip() or None,
        "notes": (form.notes.data or "").strip() or None,
        **_links(form),
    }
    notify = form.notify.data
    try:
        record = create_record(db.session, business, data, now=utcnow(), notify=notify)
        db.session.flush()
    except DomainError as error:
        return _refused(form, None, error)
    told = told_words(notify, planned_customer_notices(record))
    db.session.commit()
    flash(_("%(kind)s saved.", kind=_capital(RECORD_KIND_WORDS[kind])) + " " + told, "info")
    return redirect(url_for("records_pages.show", record_id=record.id))


@bp.route("/records/<id:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    business = current_user.business
    record = _own(record_id)
    form = RecordForm(obj=None if request.method == "POST" else _form_values(record))
    _fill_choices(form, record)
    if request.method == "GET":
        return _form_page(form, record, status=200)
    valid = form.validate_on_submit()
    starts_at = _starts_at(form, ZoneInfo(business.timezone))
    if _changed_meanwhile(form, record):
        # Someone saved this record after the form was opened: keep what was typed, show
        # what is there now, and let a second save (now knowingly) go through.
        form.version.data, form.seen.data = str(record.version), _fingerprint(record)
        return _form_page(form, record, status=409, conflict=True)
    if not valid or starts_at is False:
        return _form_page(form, record, status=422)
    changes = {
        "starts_at": starts_at,
        "duration_minutes": form.duration_minutes.data,
        "title": (form.title.data or "").strip() or None,
        "notes": (form.notes.data or "").strip() or None,
        **_links(form),
    }
    if form.status.data:
        changes["status"] = form.status.data
    notify = form.notify.data
    moved = record.starts_at
    try:
        update_record(db.session, business, record, changes, now=utcnow(), notify=notify)
    except DomainError as error:
        return _refused(form, record, error)
    told = told_words(notify, planned_customer_notices(record))
    db.session.commit()
    words = _("Changes saved.")
    if record.starts_at != moved and record.starts_at is not None:
        words = _("Moved to %(when)s.", when=moment_words(record.starts_at))
    flash(words + " " + told, "info")
    return redirect(url_for("records_pages.show", record_id=record.id))


# --- one record ----------------------------------------------------------------------


@bp.get("/records/<id:record_id>")
@login_required
def show(record_id: int):
    return _record_page(_own(record_id))


def _record_page(record: Record, status: int = 200):
    business = current_user.business
    return (
        render_template(
            "records_show.html",
            record=record,
            notices=calendar_view.record_notices(db.session, business, record),
            status_choices=_record_status_choices(record),
            may_cancel=_may_cancel(record),
            day=(
                record.starts_at.astimezone(ZoneInfo(business.timezone)).date().isoformat()
                if record.starts_at
                else None
            ),
            **_words(),
        ),
        status,
    )


@bp.post("/records/<id:record_id>/action")
@login_required
def act(record_id: int):
    """Accept or decline a request, set a status or cancel, telling the customer or not."""
    record = _own(record_id)
    business = current_user.business
    action = request.form.get("action", "")
    notify = bool(request.form.get("notify"))
    if action not in ("accept", "decline", "cancel", "status"):
        abort(400)
    seen = request.form.get("version", "").strip()
    if seen and seen != str(record.version):
        flash(
            _(
                "Nothing was changed: someone else changed this %(kind)s meanwhile. "
                "It is now %(status)s, %(when)s.",
                kind=RECORD_KIND_WORDS[record.kind],
                status=_status_word(record.kind, record.status),
                when=moment_words(record.starts_at) if record.starts_at else _("no time"),
            ),
            "error",
        )
        return _record_page(record, 409)
    pending = record.kind == RecordKind.APPOINTMENT and record.status == AppointmentStatus.PENDING
    if action in ("accept", "decline"):
        status = AppointmentStatus.CONFIRMED if action == "accept" else AppointmentStatus.REJECTED
        done = _("Request accepted.") if action == "accept" else _("Request declined.")
        refusal = None if pending else _("This request was already answered.")
    elif action == "cancel":
        status, done = AppointmentStatus.CANCELLED.value, _("Cancelled.")
        refusal = None if _may_cancel(record) else _("This record cannot be cancelled now.")
    else:
        status = request.form.get("status", "")
        done = _("Status set to %(status)s.", status=_status_word(record.kind, status))
        refusal = None
        if status not in dict(_record_status_choices(record)):
            refusal = _("Choose one of the statuses offered for this record.")
    if refusal is not None:
        # Only what the page offers for the record's state: a hand-made POST (or a page
        # left open while the record changed) changes nothing.
        flash(_("Nothing was changed: %(reason)s", reason=refusal), "error")
        return _record_page(record, 409)
    try:
        update_record(db.session, business, record, {"status": status}, now=utcnow(), notify=notify)
    except DomainError as error:
        db.session.rollback()
        flash(_("Nothing was changed: %(reason)s", reason=error.message), "error")
        return _back(record)
    told = told_words(notify, planned_customer_notices(record))
    db.session.commit()
    flash(done + " " + told, "info")
    return _back(record)


# --- helpers -------------------------------------------------------------------------


def _own(record_id: int) -> Record:
    try:
        return get_record(db.session, current_user.business, record_id)
    except NotFound:
        abort(404)


def _back(record: Record):
    """Back to the list a row's button came from, else to the record."""
    target = safe_next() or ""
    if target.startswith("/records"):
        return redirect(target)
    return redirect(url_for("records_pages.show", record_id=record.id))


def _fingerprint(record: Record) -> str:
    """Every value the edit form changes, hashed: another save changes it."""
    values = (
        record.starts_at.astimezone(UTC).isoformat() if record.starts_at else "",
        record.ends_at.astimezone(UTC).isoformat() if record.ends_at else "",
        record.status,
        record.title or "",
        record.notes or "",
        record.location_id,
        record.staff_id,
        record.service_id,
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def _changed_meanwhile(form: RecordForm, record: Record) -> bool:
    """Whether the record changed since the form was opened (a form without the hidden
    fields, such as a hand-made POST, is not checked)."""
    version, seen = (form.version.data or "").strip(), (form.seen.data or "").strip()
    if version and version != str(record.version):
        return True
    return bool(seen) and seen != _fingerprint(record)


def _form_page(form: RecordForm, record: Record | None, *, status: int, conflict: bool = False):
    kind = record.kind if record is not None else (form.kind.data or RecordKind.APPOINTMENT)
    title = (
        _capital(_("Edit %(kind)s", kind=RECORD_KIND_WORDS[record.kind]))
        if record is not None
        else NEW_WORDS.get(kind, NEW_WORDS[RecordKind.APPOINTMENT])
    )
    return (
        render_template(
            "records_form.html",
            form=form,
            record=record,
            title=title,
            zone=current_user.business.timezone,
            conflict=conflict,
            **_words(),
        ),
        status,
    )


def _refused(form: RecordForm, record: Record | None, error: DomainError):
    """The form again with the service's refusal next to the field it names."""
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    words = str(FIELD_WORDS.get(error.field, error.message))
    if target is not None and error.field != "csrf_token":
        target.errors = [*target.errors, words]
    else:
        flash(_("Nothing was saved: %(reason)s", reason=error.message), "error")
    if record is not None:
        record = _own(record.id)
    return _form_page(form, record, status=422)


def _fill_choices(form: RecordForm, record: Record | None) -> None:
    session, business = db.session, current_user.business
    form.kind.choices = [(kind.value, _capital(RECORD_KIND_WORDS[kind])) for kind in RecordKind]
    if record is not None:
        customer = record.customer
        form.customer_id.choices = [(str(customer.id), customer_label(customer))]
        form.kind.choices = [(record.kind, _capital(RECORD_KIND_WORDS[record.kind]))]
    else:
        form.customer_id.render_kw = {"data-search": _("Find a customer by name or number")}
        form.customer_id.choices = [("", _("Choose a customer …"))] + [
            (str(c.id), customer_label(c))
            for c in calendar_view.customers_to_choose(session, business)
        ]
    nobody = [("", _("None"))]
    form.location_id.choices = nobody + [
        (str(x.id), x.name) for x in list_locations(session, business)
    ]
    form.staff_id.choices = nobody + [
        (str(x.id), x.name)
        for x in list_staff(session, business)
        if x.active or (record is not None and record.staff_id == x.id)
    ]
    form.service_id.choices = nobody + [
        (str(x.id), x.name) for x in list_services(session, business)
    ]
    if record is not None:
        form.status.choices = _record_status_choices(record)
    else:
        # Every kind's statuses, named with their kind; "" is the kind's usual first one.
        # data-kind lets static/records.js offer only the chosen kind's statuses.
        form.status.choices = [("", _("Usual for the kind (confirmed, or the first status)"), {})]
        form.status.choices += [
            (code, f"{_capital(RECORD_KIND_WORDS[kind])}: {word}", {"data-kind": kind.value})
            for kind in RecordKind
            for code, word in _status_choices(kind)
        ]


def day_name(day: date) -> str:
    """A day as the user's language writes it: "Monday, November 30", "Montag, 30. November"."""
    return format_skeleton("MMMMEEEEd", day, locale=get_locale() or "en")


def customer_label(customer) -> str:
    """A customer as the picker names them: the name and the number, or what there is."""
    parts = [p for p in (customer.name, customer.phone or customer.email) if p]
    return " · ".join(parts) or _("Customer %(id)d", id=customer.id)


def status_labels() -> dict[str, dict[str, str]]:
    """The business's status labels per kind (order, inquiry), code to label, read once
    per request; a kind without statuses of its own gets the fallback ones."""
    # Kept in the request's environ, not in `g`: an app context (and its `g`) can outlive
    # one request, and a status defined since must show on the next page.
    cached = request.environ.get(STATUS_LABELS_KEY)
    if cached is None:
        defined = calendar_view.defined_statuses(db.session, current_user.business)
        fallback = {code: str(word) for code, word in FALLBACK_STATUSES.items()}
        cached = request.environ[STATUS_LABELS_KEY] = {
            kind: dict(defined.get(kind) or ()) or dict(fallback)
            for kind in (RecordKind.ORDER, RecordKind.INQUIRY)
        }
    return cached


def _status_choices(kind: str) -> list[tuple[str, str]]:
    if kind == RecordKind.APPOINTMENT:
        return [(s.value, str(APPOINTMENT_STATUS_WORDS[s])) for s in AppointmentStatus]
    return list(status_labels()[kind].items())


def _record_status_choices(record: Record) -> list[tuple[str, str]]:
    """The statuses `record` may take, its own first among them even when no longer offered
    (a code the API set, or one the business has since deleted); an appointment only the
    ones that follow from its status (`bot.services.records.allowed_statuses`)."""
    choices = _status_choices(record.kind)
    allowed = allowed_statuses(record)
    if allowed is not None:
        choices = [(code, word) for code, word in choices if code in {record.status, *allowed}]
    if record.status not in dict(choices):
        choices.insert(0, (record.status, record.status))
    return choices


def _status_word(kind: str, status: str) -> str:
    return status_word(kind, status, status_labels())


def _default_status(kind: str) -> str:
    if kind == RecordKind.APPOINTMENT:
        return AppointmentStatus.CONFIRMED.value
    return _status_choices(kind)[0][0]


def _may_cancel(record: Record) -> bool:
    if record.status == AppointmentStatus.CANCELLED:
        return False
    if not may_become(record, AppointmentStatus.CANCELLED):
        return False
    return AppointmentStatus.CANCELLED.value in dict(_status_choices(record.kind))


def _form_values(record: Record):
    """The record as the form's initial values (an object with the fields' names)."""
    zone = ZoneInfo(current_user.business.timezone)

    class Values:
        kind = record.kind
        customer_id = str(record.customer_id)
        starts_at = (
            record.starts_at.astimezone(zone).strftime(INPUT_FORMAT) if record.starts_at else ""
        )
        duration_minutes = (
            int((record.ends_at - record.starts_at).total_seconds() // 60)
            if record.starts_at and record.ends_at
            else None
        )
        location_id = str(record.location_id or "")
        staff_id = str(record.staff_id or "")
        service_id = str(record.service_id or "")
        status = record.status
        title = record.title or ""
        notes = record.notes or ""
        notify = True
        version = str(record.version)
        seen = _fingerprint(record)

    return Values


def _starts_at(form: RecordForm, zone: ZoneInfo) -> datetime | None | bool:
    """The typed local time as an aware datetime, None when empty, False when refused
    (the message is then on the field)."""
    text = (form.starts_at.data or "").strip()
    if not text:
        if form.kind.data == RecordKind.APPOINTMENT:
            form.starts_at.errors = [*form.starts_at.errors, str(FIELD_WORDS["starts_at"])]
            return False
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        form.starts_at.errors = [
            *form.starts_at.errors,
            _("Enter a real date and time, such as 2026-12-24 14:30."),
        ]
        return False
    if not 2000 <= moment.year <= 2100:
        form.starts_at.errors = [*form.starts_at.errors, _("Enter a year from 2000 to 2100.")]
        return False
    try:
        return calendar_view.local_to_utc(moment, zone)
    except DomainError:
        form.starts_at.errors = [*form.starts_at.errors, str(SKIPPED_TIME)]
        return False


def _links(form: RecordForm) -> dict:
    return {
        field: int(getattr(form, field).data) if getattr(form, field).data else None
        for field in ("location_id", "staff_id", "service_id")
    }


def _capital(word) -> str:
    text = str(word)
    return text[:1].upper() + text[1:]


def _date_arg(text: str | None) -> date | None:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def _int_arg(name: str) -> int | None:
    """A row id from the query string; None when absent or not a number. A number no row
    can have (wider than the database's integer) is a 404, not a database error."""
    text = request.args.get(name, "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > len(str(MAX_ROW_ID)) or int(text) > MAX_ROW_ID:
        abort(404)
    return int(text)


def _clock(moment: datetime) -> str:
    """A time of day on the 24-hour clock in the business's zone ("14:30")."""
    return format_time(moment, "HH:mm")


def _words() -> dict:
    labels = status_labels()

    def record_status_word(record: Record) -> str:
        return status_word(record.kind, record.status, labels)

    def clock(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return _clock(moment)

    return {
        "kind_words": RECORD_KIND_WORDS,
        "status_word": record_status_word,
        "status_labels": labels,
        "customer_label": customer_label,
        "channel_words": CHANNEL_WORDS,
        "notice_words": NOTICE_WORDS,
        "notification_status_words": NOTIFICATION_STATUS_WORDS,
        "audience_words": AUDIENCE_WORDS,
        "when": moment_words,
        "clock": clock,
    }

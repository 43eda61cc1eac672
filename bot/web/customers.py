"""The customer pages: the search (`/customers`), a new customer (`/customers/new`) and one
customer (`/customers/<id>`) with their contact data, consent, addresses and opt-outs,
predicted next visit and history, read and written through `bot.services.customers` as the
API does."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField
from wtforms.validators import Length

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import Customer, utcnow
from bot.services import customers as service
from bot.services.commands import CustomerChanges
from bot.web.language import LANGUAGE_NAMES, LANGUAGES
from bot.web.records import status_labels
from bot.web.words import (
    ADDRESS_WORDS,
    CHANNEL_WORDS,
    INBOX_STATUS_WORDS,
    NOTICE_WORDS,
    NOTIFICATION_STATUS_WORDS,
    RECORD_KIND_WORDS,
    moment_words,
    status_word,
)
from outbound.policy.rebook_timing import Basis, Prediction
from outbound.rebook_scan import predicted_visit

bp = Blueprint("customers_pages", __name__)

PAGE_SIZE = 50
TEXT_LIMIT = 200  # the service's ShortText columns

# A service refusal (field, code) in words for staff; other refusals keep the service's.
REFUSALS = {
    ("phone", "invalid_phone"): _l("This is not a phone number we can reach."),
    ("whatsapp", "invalid_phone"): _l("This is not a phone number we can reach."),
    ("phone", "duplicate_phone"): _l("Another customer has this phone number."),
    ("whatsapp", "duplicate_whatsapp"): _l("Another customer has this WhatsApp number."),
    ("email", "invalid"): _l("Enter an email address, e.g. mail@salon.de."),
    ("name", "invalid"): _l("Write the name on one line."),
    ("name", "required"): _l("Give at least a name, a mobile number or an email."),
}


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=TEXT_LIMIT)])
    phone = TelField(_l("Mobile number"), validators=[Length(max=40)])
    email = EmailField(_l("Email"), validators=[Length(max=TEXT_LIMIT)])
    whatsapp = TelField(_l("WhatsApp number"), validators=[Length(max=40)])
    locale = SelectField(_l("Language of the notices"), default="")
    sms_consent = BooleanField(_l("Agrees to notices by SMS"))
    email_consent = BooleanField(_l("Agrees to notices by email"))
    privacy_accepted = BooleanField(_l("Has accepted the privacy policy"))


# --- the list ---------------------------------------------------------------------


@bp.get("/customers")
@login_required
def index():
    q = request.args.get("q", "")[:TEXT_LIMIT]
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 10_000))
    found, more = service.search_customers(
        db.session,
        current_user.business,
        q,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return render_template("customers_list.html", customers=found, q=q, page=page, more=more)


# --- creating and changing --------------------------------------------------------


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required
def new():
    form = _form()
    if request.method == "GET":
        form.sms_consent.data = False
        return _new_page(form)
    if not form.validate_on_submit():
        return _new_page(form, 422)
    data = _typed(form)
    try:
        customer = service.create_customer(
            db.session, current_user.business, CustomerChanges.from_fields(data)
        )
    except DomainError as error:
        _refuse(form, error)
        return _new_page(form, 422)
    db.session.commit()
    flash(_("The customer %(name)s is saved.", name=customer_name(customer)), "info")
    return redirect(url_for("customers_pages.show", customer_id=customer.id))


@bp.route("/customers/<id:customer_id>", methods=["GET", "POST"])
@login_required
def show(customer_id: int):
    customer = _own(customer_id)
    form = _form(obj=None if request.method == "POST" else customer)
    if request.method == "GET":
        form.locale.data = customer.locale or ""
        form.privacy_accepted.data = customer.privacy_accepted_at is not None
        return _customer_page(customer, form)
    if not form.validate_on_submit():
        return _customer_page(customer, form, 422)
    data = _typed(form)
    if data["locale"] == customer.locale:
        # Saving the page unchanged must not turn the customer's own language into staff's.
        del data["locale"]
    try:
        service.update_customer(
            db.session, current_user.business, customer, CustomerChanges.from_fields(data)
        )
    except DomainError as error:
        db.session.rollback()
        _refuse(form, error)
        return _customer_page(_own(customer_id), form, 422)
    db.session.commit()
    flash(_("The changes to %(name)s are saved.", name=customer_name(customer)), "info")
    return redirect(url_for("customers_pages.show", customer_id=customer.id))


def _own(customer_id: int) -> Customer:
    try:
        return service.get_customer(db.session, current_user.business, customer_id)
    except NotFound:
        abort(404)


def _form(obj=None) -> CustomerForm:
    form = CustomerForm(obj=obj)
    own = LANGUAGE_NAMES.get(current_user.business.locale, current_user.business.locale)
    form.locale.choices = [
        ("", _("The business's language (%(language)s)", language=own)),
        *((code, LANGUAGE_NAMES[code]) for code in LANGUAGES),
    ]
    return form


def _typed(form: CustomerForm) -> dict:
    """The form's values as the service takes them: an empty text clears its field."""
    return {
        "name": (form.name.data or "").strip() or None,
        "phone": (form.phone.data or "").strip() or None,
        "email": (form.email.data or "").strip() or None,
        "whatsapp": (form.whatsapp.data or "").strip() or None,
        "locale": form.locale.data or None,
        "sms_consent": form.sms_consent.data,
        "email_consent": form.email_consent.data,
        "privacy_accepted": form.privacy_accepted.data,
    }


def _refuse(form: CustomerForm, error: DomainError) -> None:
    db.session.rollback()
    field = getattr(form, error.field or "", None) or form.name
    field.errors = [*field.errors, REFUSALS.get((error.field, error.code), error.message)]


def _new_page(form: CustomerForm, status: int = 200):
    return render_template("customers_new.html", form=form), status


def _customer_page(customer: Customer, form: CustomerForm, status: int = 200):
    business = current_user.business
    return (
        render_template(
            "customers_show.html",
            customer=customer,
            form=form,
            addresses=service.address_states(db.session, customer),
            prediction=predicted_visit(db.session, business, customer, now=utcnow()),
            explain=explain,
            when=moment_words,
            history=service.customer_history(db.session, business, customer),
            status_words=_status_words(),
            words={
                "address": ADDRESS_WORDS,
                "channel": CHANNEL_WORDS,
                "notice": NOTICE_WORDS,
                "notification": NOTIFICATION_STATUS_WORDS,
                "kind": RECORD_KIND_WORDS,
                "inbox": INBOX_STATUS_WORDS,
            },
        ),
        status,
    )


def customer_name(customer: Customer) -> str:
    """The customer as a flash message or a question names them: their name, else their
    number or email, else their id."""
    return customer.name or customer.phone or customer.email or f"#{customer.id}"


def _status_words():
    """A record's status in words, as the appointments pages say it: appointments in the
    product's words, orders and inquiries by the business's labels (read once)."""
    labels = status_labels()

    def words(record) -> str:
        return status_word(record.kind, record.status, labels)

    return words


def explain(prediction: Prediction) -> str:
    """How the predicted next visit was worked out, in the page's language (R2.6)."""
    if prediction.last_visit is None:
        return _("No visit yet: nothing to predict from.")
    if prediction.basis == Basis.PATTERN:
        text = _(
            "%(visits)d visits; the customer usually comes every %(days)d days "
            "(the median of the gaps between the last visits).",
            visits=prediction.visits,
            days=prediction.usual_days,
        )
        if prediction.usual_days > prediction.interval_days:
            text += " " + _("Counted as at most %(days)d days.", days=prediction.interval_days)
        return text
    service_name = prediction.service_name or _("the last visit's service")
    if prediction.basis == Basis.SERVICE:
        return ngettext(
            "%(num)d visit, fewer than 3: the rebook interval of %(service)s, %(days)d days.",
            "%(num)d visits, fewer than 3: the rebook interval of %(service)s, %(days)d days.",
            prediction.visits,
            service=service_name,
            days=prediction.interval_days,
        )
    if prediction.basis == Basis.CATEGORY:
        return ngettext(
            "%(num)d visit, fewer than 3: the typical rebook interval of the category of "
            "%(service)s (the median of its services), %(days)d days.",
            "%(num)d visits, fewer than 3: the typical rebook interval of the category of "
            "%(service)s (the median of its services), %(days)d days.",
            prediction.visits,
            service=service_name,
            days=prediction.interval_days,
        )
    return ngettext(
        "%(num)d visit, fewer than 3, and no rebook interval is set for %(service)s or its "
        "category.",
        "%(num)d visits, fewer than 3, and no rebook interval is set for %(service)s or its "
        "category.",
        prediction.visits,
        service=service_name,
    )

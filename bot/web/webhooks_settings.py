"""The owner's outgoing webhooks in the console, `/settings/webhooks`: the business's
endpoints with how their last delivery went, adding one (its address and the events it
takes), changing or switching it off, rotating its secret and deleting it behind a
confirmation, and each endpoint's deliveries, newest first. Every value is checked by
`bot.services.webhook_endpoints`, as the API's /webhook-endpoints are; a new secret is
shown once, as a new API key is."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, URLField

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import WebhookEndpoint
from bot.services import webhook_endpoints as service
from bot.services.commands import WebhookEndpointChanges
from bot.web.roles import owner_required
from bot.web.words import WEBHOOK_DELIVERY_STATUS_WORDS, WEBHOOK_EVENT_WORDS
from outbound.policy.vocabulary import WebhookDeliveryStatus

bp = Blueprint("webhook_pages", __name__)

# The secret shown once on the webhooks page after adding an endpoint or rotating its
# secret, then forgotten.
SHOWN_SECRET = "replydesk_new_webhook_secret"
PAGE_SIZE = 50

# What the owner reads next to the field the service refused, by (field, code).
PROBLEMS = {
    ("url", "required"): _l("Enter the address the events go to, e.g. https://crm.example/hooks."),
    ("url", "unsafe_url"): _l(
        "Enter an address starting with http:// or https://, e.g. https://crm.example/hooks."
    ),
    ("url", "private_address"): _l(
        "This address is in a private network or on the server itself; "
        "events go only to public addresses."
    ),
    ("url", "unresolvable_host"): _l(
        "The server could not find this host name; check how it is spelt."
    ),
    ("url", "invalid"): _l(
        "Enter the address on one line, at most %(limit)s characters.",
        limit=service.MAX_URL_LENGTH,
    ),
    ("events", "unknown_event"): _l("Choose the events from the list."),
}


class NewEndpointForm(FlaskForm):
    url = URLField(_l("Address (URL)"))
    # The page draws a checkbox per event (WEBHOOK_EVENT_WORDS); the service refuses an unknown
    # one in the page's words, so the form lets every value through.
    events = SelectMultipleField(_l("Events"), validate_choice=False)


class EndpointForm(NewEndpointForm):
    enabled = BooleanField(_l("On: events are delivered to this address"))


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _allow_private() -> bool:
    return current_app.config["ALLOW_PRIVATE_WEBHOOK_URLS"]


def _show_problem(form: NewEndpointForm, error: DomainError) -> None:
    field = form.events if error.field == "events" else form.url
    message = PROBLEMS.get((field.name, error.code), error.message)
    field.errors.append(str(message))


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    try:
        return service.get_endpoint(db.session, current_user.business, endpoint_id)
    except NotFound:
        abort(404)


def _show_secret_once(endpoint: WebhookEndpoint, *, rotated: bool) -> None:
    browser_session[SHOWN_SECRET] = {
        "endpoint_id": endpoint.id,
        "url": endpoint.url,
        "secret": endpoint.secret,
        "rotated": rotated,
    }


# --- the list and a new endpoint -------------------------------------------------


@bp.get("/settings/webhooks")
@owner_required
def index():
    return _index_page(NewEndpointForm(formdata=None))


@bp.post("/settings/webhooks")
@owner_required
def create():
    form = NewEndpointForm()
    if form.validate_on_submit():
        changes = WebhookEndpointChanges(url=_text(form.url.data), events=form.events.data or [])
        try:
            endpoint = service.create_endpoint(
                db.session, current_user.business, changes, allow_private_urls=_allow_private()
            )
        except DomainError as error:
            db.session.rollback()
            _show_problem(form, error)
        else:
            db.session.commit()
            _show_secret_once(endpoint, rotated=False)
            return redirect(url_for("webhook_pages.index"))
    return _index_page(form, 422)


def _index_page(form: NewEndpointForm, status: int = 200):
    shown = browser_session.pop(SHOWN_SECRET, None)
    endpoints = service.list_endpoints(db.session, current_user.business)
    page = render_template(
        "settings_webhooks.html",
        form=form,
        endpoints=endpoints,
        last=service.last_deliveries(db.session, endpoints),
        counts=service.delivery_counts(db.session, endpoints),
        shown=shown,
        event_words=WEBHOOK_EVENT_WORDS,
        status_words=WEBHOOK_DELIVERY_STATUS_WORDS,
        statuses=WebhookDeliveryStatus,
    )
    # The page with a secret in clear is kept by no cache, and the secret leaves the
    # session with this answer: reloading the page shows it no more.
    return page, status, {"Cache-Control": "no-store"}


# --- one endpoint ----------------------------------------------------------------


@bp.get("/settings/webhooks/<id:endpoint_id>")
@owner_required
def edit(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    form = EndpointForm(
        data={"url": endpoint.url, "events": list(endpoint.events), "enabled": endpoint.enabled}
    )
    return _edit_page(endpoint, form)


@bp.post("/settings/webhooks/<id:endpoint_id>")
@owner_required
def save(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    form = EndpointForm()
    if form.validate_on_submit():
        changes = {"events": form.events.data or [], "enabled": form.enabled.data}
        url = _text(form.url.data)
        if url != endpoint.url:  # an unchanged address is not resolved again
            changes["url"] = url
        try:
            service.update_endpoint(
                db.session,
                endpoint,
                WebhookEndpointChanges.from_fields(changes),
                allow_private_urls=_allow_private(),
            )
        except DomainError as error:
            db.session.rollback()
            _show_problem(form, error)
        else:
            db.session.commit()
            flash(_("The webhook is saved."), "info")
            return redirect(url_for("webhook_pages.index"))
    return _edit_page(endpoint, form, 422)


def _edit_page(endpoint: WebhookEndpoint, form: EndpointForm, status: int = 200):
    page = render_template(
        "settings_webhook_edit.html", endpoint=endpoint, form=form, event_words=WEBHOOK_EVENT_WORDS
    )
    return page, status


@bp.get("/settings/webhooks/<id:endpoint_id>/rotate-secret")
@owner_required
def confirm_rotate(endpoint_id: int):
    return render_template("settings_webhook_rotate.html", endpoint=_endpoint(endpoint_id))


@bp.post("/settings/webhooks/<id:endpoint_id>/rotate-secret")
@owner_required
def rotate(endpoint_id: int):
    endpoint = service.rotate_secret(db.session, _endpoint(endpoint_id))
    db.session.commit()
    _show_secret_once(endpoint, rotated=True)
    return redirect(url_for("webhook_pages.index"))


@bp.get("/settings/webhooks/<id:endpoint_id>/delete")
@owner_required
def confirm_delete(endpoint_id: int):
    return render_template("settings_webhook_delete.html", endpoint=_endpoint(endpoint_id))


@bp.post("/settings/webhooks/<id:endpoint_id>/delete")
@owner_required
def delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    url = endpoint.url
    service.delete_endpoint(db.session, endpoint)
    db.session.commit()
    flash(_("The webhook to %(url)s is deleted: it gets no more events.", url=url), "info")
    return redirect(url_for("webhook_pages.index"))


@bp.get("/settings/webhooks/<id:endpoint_id>/deliveries")
@owner_required
def deliveries(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 10_000))
    found, more = service.recent_deliveries(
        db.session, endpoint, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render_template(
        "settings_webhook_deliveries.html",
        endpoint=endpoint,
        deliveries=found,
        page=page,
        more=more,
        status_words=WEBHOOK_DELIVERY_STATUS_WORDS,
        statuses=WebhookDeliveryStatus,
    )

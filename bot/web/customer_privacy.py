"""The owner's side of a customer's privacy rights: `/customers/<id>/export` downloads
everything stored about the customer as JSON (GDPR Art. 15), `/customers/<id>/erase` asks
once and then erases them (Art. 17), both through the services the API uses
(`bot.services.customer_export`, `bot.services.erasure`), and for owners only."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from bot.errors import NotFound
from bot.extensions import db
from bot.models import Customer, utcnow
from bot.services import customers as customers_service
from bot.services.customer_export import export_customer
from bot.services.erasure import erase_customer
from bot.web.customers import customer_name
from bot.web.roles import owner_required

bp = Blueprint("customer_privacy", __name__)


def _own(customer_id: int) -> Customer:
    try:
        return customers_service.get_customer(db.session, current_user.business, customer_id)
    except NotFound:
        abort(404)


@bp.get("/customers/<id:customer_id>/export")
@owner_required
def export(customer_id: int):
    customer = _own(customer_id)
    data = export_customer(db.session, current_user.business, customer)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/customers/<id:customer_id>/erase", methods=["GET", "POST"])
@owner_required
def erase(customer_id: int):
    customer = _own(customer_id)
    # Only the confirmation page's own button erases; any other post shows the question.
    if request.method == "GET" or request.form.get("confirmed") != "1":
        return render_template(
            "customers_erase.html", customer=customer, name=customer_name(customer)
        )
    name = customer_name(customer)
    erase_customer(db.session, current_user.business, customer, utcnow())
    db.session.commit()
    flash(
        _("%(name)s is erased: contact data, appointments and message texts are gone.", name=name),
        "info",
    )
    return redirect(url_for("customers_pages.index"))

"""The phone simulator: be one of the business's customers and text the bot.

For the demo and for trying texts out without a phone or a Twilio account.
Staff pick a customer and see their side of the conversation (notices, bot
replies and their own texts, with delivery status). A text typed here takes
the real path: the server builds the form fields Twilio would post for an
inbound SMS from the customer's number to the business's number, signs them
with the webhook key, and posts them over HTTP to the public inbound webhook,
which cannot tell the difference. The page polls a small JSON feed so the
bot's reply shows up once the worker has sent it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.config import webhook_auth_token
from bot.extensions import db
from bot.models import Business, Customer, Direction, Message, utcnow
from bot.services.records import upcoming_appointments
from outbound.policy.segments import count_segments
from outbound.policy.vocabulary import Channel

bp = Blueprint("simulator", __name__)

INBOUND_PATH = "/webhooks/twilio/messages"
WEBHOOK_TIMEOUT_SECONDS = 10
MAX_TEXT_CHARACTERS = 1600  # what Twilio accepts in one message
THREAD_LIMIT = 200
# Used when no Twilio account is configured; Twilio's form always names one.
SIMULATED_ACCOUNT_SID = "AC" + "0" * 32


@bp.get("/simulator")
@login_required
def index():
    business = current_user.business
    customers = _customers(business)
    selected = _selected(customers, request.args.get("customer", type=int))
    return render_template(
        "simulator.html",
        business=business,
        customers=customers,
        customer=selected,
        feed=_feed(business, selected) if selected else None,
        max_characters=MAX_TEXT_CHARACTERS,
    )


@bp.get("/simulator/customers/<id:customer_id>/feed.json")
@login_required
def feed(customer_id: int):
    """The customer's side of the conversation, for the page's polling."""
    business = current_user.business
    return jsonify(_feed(business, _own_customer(business, customer_id)))


@bp.post("/simulator/customers/<id:customer_id>/texts")
@login_required
def send_text(customer_id: int):
    """Deliver a text from the customer to the inbound webhook, as Twilio would."""
    business = current_user.business
    customer = _own_customer(business, customer_id)
    body = request.form.get("body", "").strip()
    back = redirect(url_for("simulator.index", customer=customer.id))
    if not body:
        flash("Type a text first.", "error")
        return back
    if len(body) > MAX_TEXT_CHARACTERS:
        flash(f"A text can have at most {MAX_TEXT_CHARACTERS} characters.", "error")
        return back
    to = business.sms_from or business.messaging_service_sid
    if not to:
        flash("The business has no SMS number yet (sms_from): there is nothing to text.", "error")
        return back
    config = current_app.config
    form = twilio_inbound_form(
        account_sid=config.get("TWILIO_ACCOUNT_SID") or SIMULATED_ACCOUNT_SID,
        sender=customer.phone,
        to=to,
        body=body,
        messaging_service_sid=business.messaging_service_sid,
    )
    url = config["PUBLIC_BASE_URL"] + INBOUND_PATH
    problem = deliver_to_webhook(url, form, webhook_auth_token(config))
    if problem:
        flash(problem, "error")
    return back


def twilio_inbound_form(
    *,
    account_sid: str,
    sender: str,
    to: str,
    body: str,
    messaging_service_sid: str | None = None,
) -> dict[str, str]:
    """The form fields Twilio posts for an inbound SMS, with a fresh MessageSid."""
    sid = "SM" + secrets.token_hex(16)
    form = {
        "ToCountry": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": str(max(count_segments(body).segments, 1)),
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    if messaging_service_sid:
        form["MessagingServiceSid"] = messaging_service_sid
    return form


def deliver_to_webhook(url: str, form: dict[str, str], token: str) -> str | None:
    """Sign `form` for `url` the way Twilio does and post it; returns a problem in
    words, or None when the webhook accepted it."""
    signature = RequestValidator(token).compute_signature(url, form)
    try:
        response = requests.post(
            url,
            data=form,
            headers={"X-Twilio-Signature": signature, "User-Agent": "ReplyDesk phone simulator"},
            timeout=WEBHOOK_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        return f"Could not reach the webhook at {url}: {error}"
    if response.status_code != 200:
        return f"The webhook at {url} answered {response.status_code}: {response.text[:200]}"
    return None


def _customers(business: Business) -> list[Customer]:
    return list(
        db.session.scalars(
            select(Customer)
            .where(Customer.business_id == business.id, Customer.phone.is_not(None))
            .order_by(Customer.name, Customer.id)
        )
    )


def _selected(customers: list[Customer], customer_id: int | None) -> Customer | None:
    chosen = next((c for c in customers if c.id == customer_id), None)
    return chosen or (customers[0] if customers else None)


def _own_customer(business: Business, customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.business_id != business.id or not customer.phone:
        abort(404)
    return customer


def _feed(business: Business, customer: Customer) -> dict[str, Any]:
    zone = ZoneInfo(business.timezone)
    rows = db.session.scalars(
        select(Message)
        .where(
            Message.business_id == business.id,
            Message.customer_id == customer.id,
            Message.channel != Channel.EMAIL,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(THREAD_LIMIT)
    ).all()
    appointments = upcoming_appointments(db.session, business, customer.id, now=utcnow())
    return {
        "customer": {"id": customer.id, "name": customer.name, "phone": customer.phone},
        "messages": [_message(row, zone) for row in reversed(rows)],
        "appointments": [
            {
                "id": record.id,
                "starts": _local(record.starts_at, zone),
                "status": record.status,
                "confirmed_by_customer": record.customer_confirmed_at is not None,
            }
            for record in appointments
        ],
    }


def _message(message: Message, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction.value,
        "from_customer": message.direction == Direction.INBOUND,
        "author": message.author.value,
        "channel": message.channel.value,
        # The phone shows who a text came from: the business's number for its answers.
        "from": message.from_address,
        "to": message.to_address,
        "body": message.body,
        "status": message.status.value,
        "error": message.error_message,
        "time": _local(message.created_at, zone),
    }


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d.%m. %H:%M") if moment else ""

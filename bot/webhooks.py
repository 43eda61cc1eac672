"""Twilio's webhooks: inbound messages and delivery status callbacks (DESIGN.md §5).

Both views verify `X-Twilio-Signature` with the SDK's `RequestValidator`
against the public URL Twilio called (`PUBLIC_BASE_URL` plus the path and
query string, FACTS.md) and answer 403 without touching the database when it
is missing or wrong. Then they validate the form, call one domain service,
and commit once. The inbound view always answers an empty TwiML
`<Response/>`: the bot's replies go out through the send job, so they are
stored, status-tracked and counted like every other message. The blueprint
is exempt from CSRF (the signature is the authentication).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.api.errors import error_body
from bot.config import webhook_auth_token
from bot.extensions import db
from bot.models import utcnow
from bot.services.delivery import apply_status_callback
from bot.services.inbound import handle_inbound

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY_CHARACTERS = 1600 * 4  # Twilio's limit is 1,600; leave room for long MMS captions

log = logging.getLogger(__name__)


class InboundMessageForm(Schema):
    """The parameters of Twilio's inbound-message webhook that ReplyDesk reads."""

    class Meta:
        unknown = EXCLUDE  # Twilio sends many more (FromCity, SmsStatus, ApiVersion …)

    MessageSid = fields.String(required=True, validate=validate.Length(min=1, max=64))
    From = fields.String(required=True, validate=validate.Length(min=1, max=200))
    To = fields.String(required=True, validate=validate.Length(min=1, max=200))
    Body = fields.String(required=True, validate=validate.Length(max=MAX_BODY_CHARACTERS))
    NumSegments = fields.Integer(load_default=None, validate=validate.Range(min=0))
    MessagingServiceSid = fields.String(load_default=None)
    OptOutType = fields.String(load_default=None)


class StatusCallbackForm(Schema):
    """The parameters of Twilio's message status callback that ReplyDesk reads."""

    class Meta:
        unknown = EXCLUDE

    MessageSid = fields.String(required=True, validate=validate.Length(min=1, max=64))
    MessageStatus = fields.String(required=True, validate=validate.Length(min=1, max=32))
    ErrorCode = fields.String(load_default=None)


@bp.post("/twilio/messages")
def twilio_messages():
    """An inbound SMS, MMS, WhatsApp or Messenger message."""
    refused = _refuse_unsigned()
    if refused is not None:
        return refused
    form, invalid = _load(InboundMessageForm(), request.form)
    if invalid is not None:
        return invalid
    now = utcnow()
    for attempt in range(2):
        try:
            result = handle_inbound(db.session, form, now=now)
            db.session.commit()
            break
        except IntegrityError:
            # A concurrent request stored the same MessageSid or conversation
            # first; the second pass sees its rows (and reports a duplicate).
            db.session.rollback()
            if attempt:
                raise
            log.info("inbound %s raced another request; trying again", form["MessageSid"])
    log.info("inbound %s: %s", form["MessageSid"], result.outcome)
    return Response(str(MessagingResponse()), mimetype="text/xml")


@bp.post("/twilio/status")
def twilio_status():
    """A delivery status callback for a message we sent."""
    refused = _refuse_unsigned()
    if refused is not None:
        return refused
    form, invalid = _load(StatusCallbackForm(), request.form)
    if invalid is not None:
        return invalid
    message_id = request.args.get("message", type=int)  # our id, set in the callback URL
    message = apply_status_callback(
        db.session,
        message_sid=form["MessageSid"],
        status=form["MessageStatus"],
        error_code=form["ErrorCode"] or None,
        message_id=message_id if message_id and message_id < 2**63 else None,
        now=utcnow(),
    )
    db.session.commit()
    if message is None:
        log.info("status callback for unknown message %s ignored", form["MessageSid"])
    return Response(status=204)


def public_url() -> str:
    """The URL Twilio called, as Twilio saw it: the public base plus path and query."""
    full_path = request.full_path
    if not request.query_string and full_path.endswith("?"):
        full_path = full_path[:-1]  # werkzeug adds "?" even when there is no query
    return current_app.config["PUBLIC_BASE_URL"] + full_path


def _refuse_unsigned() -> Response | None:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    validator = RequestValidator(webhook_auth_token(current_app.config))
    if signature and validator.validate(public_url(), request.form, signature):
        return None
    log.warning("refused %s with a %s signature", request.path, "wrong" if signature else "missing")
    body = error_body(
        "invalid_signature",
        f"the {SIGNATURE_HEADER} header is missing or does not match this request",
        SIGNATURE_HEADER,
    )
    return _json(body, 403)


def _load(schema: Schema, data) -> tuple[dict, Response | None]:
    try:
        return schema.load(data), None
    except ValidationError as error:
        field, messages = next(iter(sorted(error.normalized_messages().items())))
        message = f"{field}: {' '.join(messages) if isinstance(messages, list) else messages}"
        return {}, _json(error_body("invalid_request", message, field), 400)


def _json(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response

"""Twilio's webhooks: inbound messages and delivery status callbacks (docs/ARCHITECTURE.md).

Both views verify `X-Twilio-Signature` with the SDK's `RequestValidator`
against the public URL Twilio called (`PUBLIC_BASE_URL` plus the path and
query string, docs/PLATFORM.md) and answer 403 without touching the database when it
is missing or wrong. Then they validate the form, call one domain service,
and commit once. The form is bounded and typed as Twilio sends it (a Body of
at most 1 600 characters for SMS and 4 096 for WhatsApp and Messenger, counts
of 0 to 100, addresses as long as their columns, every string limited); anything
else is a 400 in the API's error shape, a body over MAX_CONTENT_LENGTH a 413.
The inbound view always answers an empty TwiML
`<Response/>`: the bot's replies go out through the send job, so they are
stored, status-tracked and counted like every other message. The blueprint
is exempt from CSRF (the signature is the authentication).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge

from bot.api.errors import error_body
from bot.api.fields import MAX_ID
from bot.config import webhook_auth_token
from bot.extensions import db
from bot.models import utcnow
from bot.services.inbound import handle_inbound
from outbound.delivery import apply_status_callback

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
_MESSAGE_ID = re.compile(r"[0-9]{1,10}")

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY_CHARACTERS = 1600  # what Twilio accepts and sends for one SMS
# WhatsApp and Messenger let a customer write more than an SMS holds; a longer
# text refused here would be lost, so these channels get WhatsApp's own limit.
MAX_CHAT_BODY_CHARACTERS = 4096
CHAT_PREFIXES = ("whatsapp:", "messenger:")
MAX_ADDRESS_CHARACTERS = 120  # what a conversation's and a contact's address column holds
MAX_COUNT = 100  # NumSegments: Twilio sends at most 10

log = logging.getLogger(__name__)


def _no_nul(value: str) -> None:
    # No carrier sends a NUL, and PostgreSQL cannot store one in text.
    if "\x00" in value:
        raise ValidationError("must not contain a NUL character")


def _text(max_length: int, *, required: bool = False, min_length: int | None = None):
    """A bounded string parameter; optional ones default to None."""
    checks = [validate.Length(min=min_length, max=max_length), _no_nul]
    if required:
        return fields.String(required=True, validate=checks)
    return fields.String(load_default=None, validate=checks)


def _count():
    """A count Twilio sends as digits: 0..MAX_COUNT, so it fits any integer column."""
    return fields.Integer(load_default=None, strict=False, validate=validate.Range(0, MAX_COUNT))


class InboundMessageForm(Schema):
    """The parameters of Twilio's inbound-message webhook that ReplyDesk reads."""

    class Meta:
        unknown = EXCLUDE  # Twilio sends many more (FromCity, SmsStatus, ApiVersion …)

    MessageSid = _text(64, required=True, min_length=1)
    From = _text(MAX_ADDRESS_CHARACTERS, required=True, min_length=1)
    To = _text(MAX_ADDRESS_CHARACTERS, required=True, min_length=1)
    Body = _text(MAX_CHAT_BODY_CHARACTERS, required=True)
    NumSegments = _count()
    MessagingServiceSid = _text(64)
    OptOutType = _text(32)

    @validates_schema
    def _sms_body_length(self, data: dict, **kwargs) -> None:
        is_chat = (data.get("From") or "").startswith(CHAT_PREFIXES)
        if not is_chat and len(data.get("Body") or "") > MAX_BODY_CHARACTERS:
            raise ValidationError(
                f"Longer than maximum length {MAX_BODY_CHARACTERS}.", field_name="Body"
            )


class StatusCallbackForm(Schema):
    """The parameters of Twilio's message status callback that ReplyDesk reads."""

    class Meta:
        unknown = EXCLUDE

    MessageSid = _text(64, required=True, min_length=1)
    MessageStatus = _text(32, required=True, min_length=1)
    ErrorCode = _text(16)  # Twilio's codes have five digits; the column holds 16


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
    message = apply_status_callback(
        db.session,
        message_sid=form["MessageSid"],
        status=form["MessageStatus"],
        error_code=form["ErrorCode"] or None,
        message_id=_message_id(request.args.get("message")),
        now=utcnow(),
    )
    db.session.commit()
    if message is None:
        log.info("status callback for unknown message %s ignored", form["MessageSid"])
    return Response(status=204)


def _message_id(value: str | None) -> int | None:
    """Our message id from the callback URL (`?message=`): plain digits that fit the
    id column (PostgreSQL's integer: 2**31 - 1), else None (int() would take "+5",
    " 5" or "1_000")."""
    if value is None or not _MESSAGE_ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def _too_large(error: RequestEntityTooLarge) -> Response:
    body = error_body("too_large", error.description or "the request body is too large")
    return _json(body, 413)


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


bp.register_error_handler(RequestEntityTooLarge, _too_large)


def _json(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response

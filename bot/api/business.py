"""`/business`: the calling business's settings, read and changed. This module types them
for JSON and documents them; which values they may take is the domain's call
(`bot.services.businesses.update_settings`)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length, Range

from bot.api.auth import current_business
from bot.api.base import resource_blueprint
from bot.api.fields import (
    DomainChoice,
    DomainCount,
    DomainLine,
    EmailAddress,
    InputSchema,
    Line,
    Mailbox,
    StrictBoolean,
    WebAddress,
)
from bot.errors import DomainError
from bot.extensions import db
from bot.services.businesses import (
    MAX_CANCELLATION_WINDOW_HOURS,
    MAX_NAME_LENGTH,
    MAX_TIMEZONE_LENGTH,
    MESSAGING_SERVICE_SID,
    update_settings,
)
from bot.services.commands import SettingsChanges
from outbound.policy.rendering import SUPPORTED_LOCALES

bp = resource_blueprint(
    "business", __name__, "/business", "The settings of the business the API key belongs to."
)

_URL = {"validate": Length(max=500), "allow_none": True}
WEBHOOK_URL_MOVED = (
    "webhook_url is no longer a setting: outgoing webhooks are endpoints of their own; "
    "register one with POST /api/v1/webhook-endpoints (upgrading moved a stored "
    "webhook_url into an endpoint, see GET /api/v1/webhook-endpoints)"
)


class BusinessSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    timezone = fields.String(metadata={"description": "IANA zone, e.g. Europe/Berlin."})
    locale = fields.String(metadata={"enum": list(SUPPORTED_LOCALES)})
    phone_region = fields.String(
        metadata={"description": "Default country for numbers typed without +, e.g. DE (R1.1)."}
    )
    sms_enabled = fields.Boolean(metadata={"description": "Send SMS at all (R1.2)."})
    sms_confirmation_always = fields.Boolean(
        metadata={"description": "Confirm every booking by SMS, email or not (R0.4)."}
    )
    cancellation_window_hours = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Customers may cancel by text until this many hours before; "
            "null: not at all (R1.11)."
        },
    )
    sms_from = fields.String(allow_none=True, metadata={"description": "Twilio number, E.164."})
    messaging_service_sid = fields.String(allow_none=True)
    whatsapp_from = fields.String(allow_none=True)
    email_from = fields.String(
        allow_none=True, metadata={"description": "Sender of emails (R4.4)."}
    )
    notification_email = fields.String(
        allow_none=True, metadata={"description": "Where notices to the business go (R3.4)."}
    )
    booking_url = fields.String(allow_none=True)
    privacy_url = fields.String(allow_none=True)
    sms_per_second = fields.Float(
        allow_none=True,
        metadata={
            "description": "Pace of this business's Twilio sender in SMS segments a second "
            "(a long code: 1; null: the server's SMS_PER_SECOND)."
        },
    )
    created_at = fields.DateTime(dump_only=True)


class BusinessPatchSchema(InputSchema):
    # Types for the document; `bot.services.businesses.update_settings` checks the values
    # (names, zones, locales, regions, windows, senders), for the console and the API alike.
    name = DomainLine(1, MAX_NAME_LENGTH)
    timezone = DomainLine(1, MAX_TIMEZONE_LENGTH, metadata={"example": "Europe/Berlin"})
    locale = DomainChoice(SUPPORTED_LOCALES)
    phone_region = DomainLine(2, 2, metadata={"example": "DE"})
    sms_enabled = StrictBoolean()
    sms_confirmation_always = StrictBoolean()
    cancellation_window_hours = DomainCount(0, MAX_CANCELLATION_WINDOW_HOURS, allow_none=True)
    sms_from = Line(allow_none=True, validate=Length(max=32), metadata={"example": "+4930555010"})
    messaging_service_sid = Line(
        allow_none=True, metadata={"pattern": MESSAGING_SERVICE_SID.pattern}
    )
    whatsapp_from = Line(allow_none=True, validate=Length(max=32))
    email_from = Mailbox(allow_none=True, validate=Length(max=200))
    notification_email = EmailAddress(allow_none=True, validate=Length(max=200))
    booking_url = WebAddress(
        **_URL, metadata={"description": "Shown to customers: http(s), a public host."}
    )
    privacy_url = WebAddress(
        **_URL, metadata={"description": "Shown to customers: http(s), a public host."}
    )
    webhook_url = fields.Raw(
        load_only=True,
        allow_none=True,
        metadata={
            "deprecated": True,
            "description": "No longer a setting: refused with 422 `moved`. Outgoing webhooks "
            "are endpoints of their own (/webhook-endpoints); upgrading moved a stored "
            "webhook_url into one.",
        },
    )
    sms_per_second = fields.Float(allow_none=True, validate=Range(min=0.01, max=1000))


@bp.route("", tags=["business"])
class BusinessResource(MethodView):
    @bp.response(200, BusinessSchema)
    def get(self):
        """Read the business's settings."""
        business = current_business()
        db.session.commit()
        return business

    @bp.arguments(BusinessPatchSchema)
    @bp.response(200, BusinessSchema)
    def patch(self, changes):
        """Change some settings; fields left out stay as they are."""
        if "webhook_url" in changes:
            raise DomainError(WEBHOOK_URL_MOVED, code="moved", field="webhook_url")
        business = current_business()
        update_settings(db.session, business, SettingsChanges.from_fields(changes))
        db.session.commit()
        return business

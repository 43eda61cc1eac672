"""`/business`: the calling business's settings, read and changed.

Which settings exist and what values they take is the domain's call
(`bot.services.businesses.update_settings`); this module only types them for
JSON and documents them. Every text setting is one line (`Line`); the
booking, privacy and webhook URLs are http(s) here, and the domain decides
which hosts they may name (a webhook_url only public ones).
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length, OneOf, Range, Regexp

from bot.api.auth import current_business
from bot.api.base import resource_blueprint
from bot.api.fields import EmailAddress, InputSchema, Line, Mailbox, StrictBoolean, WebAddress
from bot.extensions import db
from bot.services.businesses import update_settings
from outbound.policy.rendering import SUPPORTED_LOCALES

bp = resource_blueprint(
    "business", __name__, "/business", "The settings of the business the API key belongs to."
)

_URL = {"validate": Length(max=500), "allow_none": True}


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
    webhook_url = fields.String(allow_none=True)
    sms_per_second = fields.Float(
        allow_none=True,
        metadata={
            "description": "Pace of this business's Twilio sender in SMS segments a second "
            "(a long code: 1; null: the server's SMS_PER_SECOND)."
        },
    )
    created_at = fields.DateTime(dump_only=True)


class BusinessPatchSchema(InputSchema):
    name = Line(validate=Length(1, 200))
    timezone = Line(validate=Length(1, 64), metadata={"example": "Europe/Berlin"})
    locale = Line(validate=OneOf(SUPPORTED_LOCALES))
    phone_region = Line(validate=Length(2, 2), metadata={"example": "DE"})
    sms_enabled = StrictBoolean()
    sms_confirmation_always = StrictBoolean()
    cancellation_window_hours = fields.Integer(
        strict=True, allow_none=True, validate=Range(0, 24 * 366)
    )
    sms_from = Line(allow_none=True, validate=Length(max=32), metadata={"example": "+4930555010"})
    messaging_service_sid = Line(
        allow_none=True,
        validate=Regexp(
            r"^MG[0-9a-fA-F]{32}$", error="must be a Twilio Messaging Service SID (MG…)"
        ),
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
    webhook_url = WebAddress(
        **_URL,
        metadata={
            "description": "Called by the server: http(s), resolving only to public addresses "
            "unless the server sets ALLOW_PRIVATE_WEBHOOK_URLS."
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
        business = current_business()
        update_settings(
            db.session,
            business,
            changes,
            allow_private_webhook_urls=current_app.config["ALLOW_PRIVATE_WEBHOOK_URLS"],
        )
        db.session.commit()
        return business

"""`/usage`: what a month cost in messages: SMS sent, delivered, billable segments, emails.

Only delivered SMS are billable (R0.5). The counting is the domain's
(`outbound.delivery.monthly_usage`, per calendar month in the business's
time zone), and so are which months count (`valid_month`) and the default
month, the current one there (`month_of`), so the API and the usage page agree.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from bot.api.auth import current_business
from bot.api.base import resource_blueprint
from bot.extensions import db
from bot.models import utcnow
from outbound.delivery import FIRST_YEAR, LAST_YEAR, month_of, monthly_usage, valid_month

bp = resource_blueprint("usage", __name__, "/usage", "Messages sent and billed per month.")


def _valid_month(text: str) -> None:
    if not valid_month(text):
        raise ma.ValidationError(
            f'must be a month written "YYYY-MM", e.g. "2026-05", in the years {FIRST_YEAR} '
            f"to {LAST_YEAR}"
        )


class UsageSchema(ma.Schema):
    month = fields.String(metadata={"example": "2026-05"})
    sms_sent = fields.Integer(metadata={"description": "Outbound SMS that reached Twilio."})
    sms_delivered = fields.Integer()
    sms_billable_segments = fields.Integer(
        metadata={"description": "Segments of delivered SMS: what is billed (R0.5)."}
    )
    emails_sent = fields.Integer()


class UsageQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    month = fields.String(
        validate=_valid_month,
        metadata={
            "description": "YYYY-MM; default: this month in the business's time zone.",
            "example": "2026-05",
        },
    )


@bp.route("", tags=["usage"])
class Usage(MethodView):
    @bp.arguments(UsageQuerySchema, location="query")
    @bp.response(200, UsageSchema)
    def get(self, query):
        """Count one month's outbound messages."""
        business = current_business()
        month = query.get("month") or month_of(business, utcnow())
        usage = monthly_usage(db.session, business, month)
        db.session.commit()
        return {"month": month, **usage}

"""`/usage`: what a month cost in messages: SMS sent, delivered, billable segments, emails.

Only delivered SMS are billable (R0.5). The counting is the domain's
(`bot.services.delivery.monthly_usage`, per calendar month in the business's
time zone); the month defaults to the current one there.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from bot.api.auth import current_business
from bot.api.base import resource_blueprint
from bot.api.fields import EARLIEST_YEAR, LATEST_YEAR
from bot.extensions import db
from bot.services.delivery import monthly_usage

bp = resource_blueprint("usage", __name__, "/usage", "Messages sent and billed per month.")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _valid_month(text: str) -> None:
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ma.ValidationError('must be a month written "YYYY-MM", e.g. "2026-05"')
    if not EARLIEST_YEAR <= int(match[1]) <= LATEST_YEAR:
        raise ma.ValidationError(f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")


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
        month = query.get("month") or datetime.now(ZoneInfo(business.timezone)).strftime("%Y-%m")
        usage = monthly_usage(db.session, business, month)
        db.session.commit()
        return {"month": month, **usage}

"""`/notifications`: the outbox, so staff and systems can see what was planned and why.

Every notice a change caused is a row here, including the ones that will not
be sent: those are `skipped` with the reason in words (no consent, SMS off,
created after the reminder's moment, R0.7), and failed ones say why they
failed.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import OneOf
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.fields import Id, ListQuery, items_schema
from bot.models import Notification
from outbound.policy.vocabulary import Audience, Channel, Notice, NotificationStatus

bp = resource_blueprint(
    "notifications",
    __name__,
    "/notifications",
    "Planned, sent and skipped notices, each with its status and reason.",
)

_STATUSES = [status.value for status in NotificationStatus]


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    record_id = fields.Integer(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    audience = fields.String(metadata={"enum": [a.value for a in Audience]})
    notice = fields.String(metadata={"enum": [n.value for n in Notice]})
    channel = fields.String(metadata={"enum": [c.value for c in Channel]})
    due_at = fields.DateTime()
    status = fields.String(metadata={"enum": _STATUSES})
    reason = fields.String(
        allow_none=True, metadata={"description": "Why it was skipped or failed, in words."}
    )
    attempts = fields.Integer()
    message_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class NotificationQuerySchema(ListQuery):
    record_id = Id(strict=False)
    customer_id = Id(strict=False)
    status = fields.String(validate=OneOf(_STATUSES))


@bp.route("", tags=["notifications"])
class Notifications(MethodView):
    @bp.arguments(NotificationQuerySchema, location="query")
    @bp.response(200, items_schema(NotificationSchema, "NotificationListSchema"))
    def get(self, query):
        """List notices by due time; filter by record, customer and status."""
        statement = select(Notification).where(Notification.business_id == current_business().id)
        statement = where_equal(
            statement, Notification, query, ("record_id", "customer_id", "status")
        )
        return list_response(statement.order_by(Notification.due_at, Notification.id), query)

"""`/records`: appointments, work orders and inquiries, created, listed and changed through
`bot.services.records`, which plans the notices each change causes."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length, OneOf
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.fields import (
    MAX_ID,
    AwareDateTime,
    Count,
    Id,
    InputSchema,
    Line,
    ListQuery,
    ShortText,
    StrictBoolean,
    Text,
    items_schema,
)
from bot.extensions import db
from bot.models import Record, RecordKind, RecordSource, utcnow
from bot.services.commands import RecordChanges
from bot.services.records import create_record, get_record, update_record

bp = resource_blueprint(
    "records",
    __name__,
    "/records",
    "Appointments, work orders and inquiries; changes plan the customer's notices.",
)

_KINDS = [kind.value for kind in RecordKind]
_SOURCES = [source.value for source in RecordSource]
# Staff's "don't tell the customer" for this one change (R1.7, R1.8).
_NOTIFY = {
    "load_default": True,
    "metadata": {
        "description": "false: plan no confirmation, change or cancellation notice for this "
        "change (reminders for a new time are still planned). Not stored."
    },
}


class RecordSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": _KINDS})
    customer_id = fields.Integer()
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    status = fields.String(
        metadata={
            "description": "Appointments: pending, confirmed, rejected, cancelled, "
            "completed, no_show; orders and inquiries: the business's own statuses."
        }
    )
    source = fields.String(metadata={"enum": _SOURCES})
    location_id = fields.Integer(allow_none=True)
    staff_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    title = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    external_id = fields.String(
        allow_none=True, metadata={"description": "The record's id in your own system."}
    )
    cancelled_by = fields.String(allow_none=True, metadata={"enum": ["business", "customer"]})
    customer_confirmed_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the customer confirmed by text."}
    )
    version = fields.Integer(metadata={"description": "Bumped on every change of time or status."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class RecordChangeSchema(InputSchema):
    starts_at = AwareDateTime(allow_none=True, metadata={"example": "2026-05-04T14:00:00+02:00"})
    duration_minutes = Count(1, 24 * 60, metadata={"description": "Default: the service's."})
    status = Line(validate=Length(1, 40))
    location_id = Id(allow_none=True)
    staff_id = Id(allow_none=True)
    service_id = Id(allow_none=True)
    title = ShortText(allow_none=True)
    notes = Text(allow_none=True, validate=Length(max=10_000))
    external_id = ShortText(
        allow_none=True, metadata={"description": "The record's id in your own system."}
    )
    notify = StrictBoolean(**_NOTIFY)


class RecordCreateSchema(RecordChangeSchema):
    kind = fields.String(load_default=RecordKind.APPOINTMENT.value, validate=OneOf(_KINDS))
    customer_id = Id(required=True)
    source = fields.String(load_default=RecordSource.API.value, validate=OneOf(_SOURCES))


class RecordQuerySchema(ListQuery):
    customer_id = Id(strict=False)
    kind = fields.String(validate=OneOf(_KINDS))
    status = fields.String()
    starts_from = AwareDateTime(
        data_key="from", metadata={"description": "Only records starting at or after this."}
    )
    starts_before = AwareDateTime(
        data_key="to", metadata={"description": "Only records starting before this."}
    )
    external_id = fields.String(
        metadata={"description": "Only records with this id of your own system (exact)."}
    )


RecordListSchema = items_schema(RecordSchema, "RecordListSchema")


@bp.route("", tags=["records"])
class Records(MethodView):
    @bp.arguments(RecordQuerySchema, location="query")
    @bp.response(200, RecordListSchema)
    def get(self, query):
        """List records, soonest first (those without a time last); filter by customer,
        kind, status, time and external id."""
        statement = select(Record).where(Record.business_id == current_business().id)
        statement = where_equal(
            statement, Record, query, ("customer_id", "kind", "status", "external_id")
        )
        if "starts_from" in query:
            statement = statement.where(Record.starts_at >= query["starts_from"])
        if "starts_before" in query:
            statement = statement.where(Record.starts_at < query["starts_before"])
        statement = statement.order_by(Record.starts_at.asc().nulls_last(), Record.id)
        return list_response(statement, query)

    @bp.arguments(RecordCreateSchema)
    @bp.response(201, RecordSchema)
    def post(self, data):
        """Create a record; its confirmation and reminders are planned in the same step."""
        notify = data.pop("notify")
        record = create_record(
            db.session,
            current_business(),
            RecordChanges.from_fields(data),
            now=utcnow(),
            notify=notify,
        )
        db.session.commit()
        return record


@bp.route(f"/<int(max={MAX_ID}):record_id>", tags=["records"])
class RecordById(MethodView):
    @bp.response(200, RecordSchema)
    def get(self, record_id):
        """Read one record."""
        record = get_record(db.session, current_business(), record_id)
        db.session.commit()
        return record

    @bp.arguments(RecordChangeSchema)
    @bp.response(200, RecordSchema)
    def patch(self, changes, record_id):
        """Move, re-status or edit a record; the customer hears of it unless notify is false."""
        business = current_business()
        record = get_record(db.session, business, record_id)
        notify = changes.pop("notify")
        update_record(
            db.session,
            business,
            record,
            RecordChanges.from_fields(changes),
            now=utcnow(),
            notify=notify,
        )
        db.session.commit()
        return record

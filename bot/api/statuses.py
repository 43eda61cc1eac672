"""`/statuses`: the statuses a business defines for its work orders and inquiries; a
status's `code` is stored by records and rules, so only its label and position change, and
one still in use cannot be deleted (409)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import OneOf
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.fields import (
    MAX_ID,
    DomainChoice,
    DomainCount,
    DomainLine,
    InputSchema,
    ListQuery,
    items_schema,
)
from bot.extensions import db
from bot.models import RecordStatusDefinition
from bot.services import statuses
from bot.services.commands import NewStatus, StatusChanges
from bot.services.statuses import CODE_MAX_LENGTH, DEFINABLE_KINDS

bp = resource_blueprint(
    "statuses",
    __name__,
    "/statuses",
    "The business's own statuses for work orders and inquiries.",
)

_KINDS = [kind.value for kind in DEFINABLE_KINDS]


class RecordStatusSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": _KINDS})
    code = fields.String(metadata={"description": "What records and rules store."})
    label = fields.String()
    position = fields.Integer(metadata={"description": "Order in lists, lowest first."})


class RecordStatusChangeSchema(InputSchema):
    # Types for the document; `bot.services.statuses` checks the values.
    label = DomainLine(1, 200, metadata={"example": "Ready for pickup"})
    position = DomainCount(0, 10_000)


class RecordStatusCreateSchema(RecordStatusChangeSchema):
    kind = DomainChoice(_KINDS, required=True)
    code = DomainLine(
        1,
        CODE_MAX_LENGTH,
        required=True,
        metadata={
            "description": "A lowercase slug: a-z, 0-9, single _ or - between them.",
            "example": "ready_for_pickup",
        },
    )
    label = DomainLine(1, 200, required=True, metadata={"example": "Ready for pickup"})
    position = DomainCount(0, 10_000, metadata={"description": "Default: after the kind's last."})


class RecordStatusQuerySchema(ListQuery):
    kind = fields.String(validate=OneOf(_KINDS))


@bp.route("", tags=["statuses"])
class Statuses(MethodView):
    @bp.arguments(RecordStatusQuerySchema, location="query")
    @bp.response(200, items_schema(RecordStatusSchema, "RecordStatusListSchema"))
    def get(self, query):
        """List the defined statuses by kind and position; filter by kind."""
        statement = select(RecordStatusDefinition).where(
            RecordStatusDefinition.business_id == current_business().id
        )
        statement = where_equal(statement, RecordStatusDefinition, query, ("kind",))
        statement = statement.order_by(
            RecordStatusDefinition.kind,
            RecordStatusDefinition.position,
            RecordStatusDefinition.id,
        )
        return list_response(statement, query)

    @bp.arguments(RecordStatusCreateSchema)
    @bp.response(201, RecordStatusSchema)
    @bp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Define a status for work orders or inquiries."""
        definition = statuses.create_status(
            db.session, current_business(), NewStatus.from_fields(data)
        )
        db.session.commit()
        return definition


@bp.route(f"/<int(max={MAX_ID}):status_id>", tags=["statuses"])
class StatusById(MethodView):
    @bp.response(200, RecordStatusSchema)
    def get(self, status_id):
        """Read one status."""
        definition = statuses.get_status(db.session, current_business(), status_id)
        db.session.commit()
        return definition

    @bp.arguments(RecordStatusChangeSchema)
    @bp.response(200, RecordStatusSchema)
    def patch(self, changes, status_id):
        """Change a status's label or position; its code stays."""
        business = current_business()
        definition = statuses.get_status(db.session, business, status_id)
        statuses.update_status(db.session, business, definition, StatusChanges.from_fields(changes))
        db.session.commit()
        return definition

    @bp.response(204)
    @bp.alt_response(409, response="CONFLICT")
    def delete(self, status_id):
        """Delete a status that no record and no rule uses."""
        business = current_business()
        definition = statuses.get_status(db.session, business, status_id)
        statuses.delete_status(db.session, business, definition)
        db.session.commit()

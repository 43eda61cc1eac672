"""`/locations`, `/staff` and `/services`, what records point at: small resources over
`bot.services.catalogue` (list, create, read, change), with a location's working hours as
"HH:MM" ranges, several per day allowed."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint
from bot.api.fields import (
    MAX_ID,
    ClockTime,
    Count,
    DomainCount,
    DomainLine,
    InputSchema,
    ListQuery,
    ShortText,
    StrictBoolean,
    Text,
    items_schema,
)
from bot.extensions import db
from bot.services import catalogue
from bot.services.catalogue import MAX_DURATION_MINUTES, MAX_NAME_LENGTH, MAX_REBOOK_INTERVAL_DAYS
from bot.services.commands import LocationChanges, ServiceChanges, StaffChanges

locations_bp = resource_blueprint(
    "locations", __name__, "/locations", "Where appointments take place, with working hours."
)
staff_bp = resource_blueprint("staff", __name__, "/staff", "The people appointments are with.")
services_bp = resource_blueprint(
    "services", __name__, "/services", "What the business offers, with durations."
)

_ID_RULE = f"/<int(max={MAX_ID}):row_id>"


# --- schemas -----------------------------------------------------------------


class WorkingHoursSchema(ma.Schema):
    weekday = fields.Integer(metadata={"description": "0 = Monday … 6 = Sunday."})
    opens = ClockTime(attribute="opens_at", metadata={"example": "09:00"})
    closes = ClockTime(attribute="closes_at", metadata={"example": "18:00"})


class WorkingHoursInputSchema(InputSchema):
    weekday = Count(0, 6, required=True, metadata={"description": "0 = Monday … 6 = Sunday."})
    opens = ClockTime(required=True, metadata={"example": "09:00"})
    closes = ClockTime(required=True, metadata={"example": "18:00"})


class LocationSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    working_hours = fields.List(fields.Nested(WorkingHoursSchema))


class LocationInputSchema(InputSchema):
    # Types for the document; names, durations and intervals are checked by
    # `bot.services.catalogue`, for the pages and the API alike.
    name = DomainLine(1, MAX_NAME_LENGTH)
    address = Text(allow_none=True, validate=Length(max=1000))
    working_hours = fields.List(
        fields.Nested(WorkingHoursInputSchema),
        validate=Length(max=100),
        metadata={"description": "Replaces all ranges; several ranges per day are allowed."},
    )


class LocationCreateSchema(LocationInputSchema):
    name = DomainLine(1, MAX_NAME_LENGTH, required=True)


class StaffSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()


class StaffInputSchema(InputSchema):
    name = DomainLine(1, MAX_NAME_LENGTH)
    active = StrictBoolean()


class StaffCreateSchema(StaffInputSchema):
    name = DomainLine(1, MAX_NAME_LENGTH, required=True)


class ServiceSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String(allow_none=True)
    duration_minutes = fields.Integer()
    rebook_interval_days = fields.Integer(
        allow_none=True, metadata={"description": "Typical days between visits (R2.6)."}
    )


class ServiceInputSchema(InputSchema):
    name = DomainLine(1, MAX_NAME_LENGTH)
    category = ShortText(allow_none=True)
    duration_minutes = DomainCount(1, MAX_DURATION_MINUTES)
    rebook_interval_days = DomainCount(1, MAX_REBOOK_INTERVAL_DAYS, allow_none=True)


class ServiceCreateSchema(ServiceInputSchema):
    name = DomainLine(1, MAX_NAME_LENGTH, required=True)


# --- locations ---------------------------------------------------------------


@locations_bp.route("", tags=["locations"])
class Locations(MethodView):
    @locations_bp.arguments(ListQuery, location="query")
    @locations_bp.response(200, items_schema(LocationSchema, "LocationListSchema"))
    def get(self, query):
        """List the business's locations, oldest first."""
        return list_response(catalogue.locations_query(current_business()), query)

    @locations_bp.arguments(LocationCreateSchema)
    @locations_bp.response(201, LocationSchema)
    def post(self, data):
        """Create a location."""
        location = catalogue.create_location(
            db.session, current_business(), LocationChanges.from_fields(data)
        )
        db.session.commit()
        return location


@locations_bp.route(_ID_RULE, tags=["locations"])
class LocationById(MethodView):
    @locations_bp.response(200, LocationSchema)
    def get(self, row_id):
        """Read one location."""
        location = catalogue.get_location(db.session, current_business(), row_id)
        db.session.commit()
        return location

    @locations_bp.arguments(LocationInputSchema)
    @locations_bp.response(200, LocationSchema)
    def patch(self, changes, row_id):
        """Change a location; working_hours, when given, replaces every range."""
        business = current_business()
        location = catalogue.get_location(db.session, business, row_id)
        catalogue.update_location(
            db.session, business, location, LocationChanges.from_fields(changes)
        )
        db.session.commit()
        return location


# --- staff -------------------------------------------------------------------


@staff_bp.route("", tags=["staff"])
class Staff(MethodView):
    @staff_bp.arguments(ListQuery, location="query")
    @staff_bp.response(200, items_schema(StaffSchema, "StaffListSchema"))
    def get(self, query):
        """List the business's staff members, oldest first."""
        return list_response(catalogue.staff_query(current_business()), query)

    @staff_bp.arguments(StaffCreateSchema)
    @staff_bp.response(201, StaffSchema)
    def post(self, data):
        """Create a staff member."""
        member = catalogue.create_staff_member(
            db.session, current_business(), StaffChanges.from_fields(data)
        )
        db.session.commit()
        return member


@staff_bp.route(_ID_RULE, tags=["staff"])
class StaffById(MethodView):
    @staff_bp.response(200, StaffSchema)
    def get(self, row_id):
        """Read one staff member."""
        member = catalogue.get_staff_member(db.session, current_business(), row_id)
        db.session.commit()
        return member

    @staff_bp.arguments(StaffInputSchema)
    @staff_bp.response(200, StaffSchema)
    def patch(self, changes, row_id):
        """Rename a staff member or mark them inactive."""
        business = current_business()
        member = catalogue.get_staff_member(db.session, business, row_id)
        catalogue.update_staff_member(
            db.session, business, member, StaffChanges.from_fields(changes)
        )
        db.session.commit()
        return member


# --- services ----------------------------------------------------------------


@services_bp.route("", tags=["services"])
class Services(MethodView):
    @services_bp.arguments(ListQuery, location="query")
    @services_bp.response(200, items_schema(ServiceSchema, "ServiceListSchema"))
    def get(self, query):
        """List the business's services, oldest first."""
        return list_response(catalogue.services_query(current_business()), query)

    @services_bp.arguments(ServiceCreateSchema)
    @services_bp.response(201, ServiceSchema)
    def post(self, data):
        """Create a service."""
        service = catalogue.create_service(
            db.session, current_business(), ServiceChanges.from_fields(data)
        )
        db.session.commit()
        return service


@services_bp.route(_ID_RULE, tags=["services"])
class ServiceById(MethodView):
    @services_bp.response(200, ServiceSchema)
    def get(self, row_id):
        """Read one service."""
        service = catalogue.get_service(db.session, current_business(), row_id)
        db.session.commit()
        return service

    @services_bp.arguments(ServiceInputSchema)
    @services_bp.response(200, ServiceSchema)
    def patch(self, changes, row_id):
        """Change a service."""
        business = current_business()
        service = catalogue.get_service(db.session, business, row_id)
        catalogue.update_service(db.session, business, service, ServiceChanges.from_fields(changes))
        db.session.commit()
        return service

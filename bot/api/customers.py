"""`/customers`: create, list, read and change the business's customers, with phone numbers
normalised by the domain (an impossible one is a 422, a landline is kept with a warning) and
consent per channel."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.customer_export import CustomerExportSchema
from bot.api.fields import (
    MAX_ID,
    DomainChoice,
    EmailAddress,
    InputSchema,
    ListQuery,
    ShortText,
    StrictBoolean,
    items_schema,
)
from bot.errors import DomainError
from bot.extensions import db
from bot.models import AddressKind, Customer, utcnow
from bot.phones import InvalidPhoneNumber, PhoneNumber, parse_phone
from bot.services.commands import CustomerChanges
from bot.services.customer_export import export_customer
from bot.services.customers import create_customer, get_customer, update_customer
from bot.services.erasure import erase_customer
from outbound.policy.rendering import SUPPORTED_LOCALES

bp = resource_blueprint(
    "customers", __name__, "/customers", "The people the business sends notices to."
)

OPTED_OUT_WARNING = "this number has opted out of SMS (STOP): no SMS will be sent to it"


class CustomerSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "E.164, e.g. +4915112345678."})
    phone_is_mobile = fields.Boolean(
        allow_none=True, metadata={"description": "False: a landline; SMS may not arrive."}
    )
    email = fields.String(allow_none=True)
    whatsapp = fields.String(
        allow_none=True, metadata={"description": "E.164: the number for WhatsApp notices."}
    )
    whatsapp_opted_out_at = fields.Method(
        "_whatsapp_opted_out_at",
        metadata={"type": "string", "format": "date-time", "nullable": True},
    )
    sms_consent = fields.Boolean()
    email_consent = fields.Boolean()
    locale = fields.String(allow_none=True, metadata={"description": "null: the business's."})
    privacy_accepted = fields.Method("_privacy_accepted", metadata={"type": "boolean"})
    privacy_accepted_at = fields.DateTime(allow_none=True)
    sms_opted_out_at = fields.Method(
        "_sms_opted_out_at",
        metadata={"type": "string", "format": "date-time", "nullable": True},
    )
    external_id = fields.String(allow_none=True)
    warnings = fields.Method(
        "_warnings",
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "Things staff should know, e.g. that a number is not a mobile.",
        },
    )
    created_at = fields.DateTime()

    def _privacy_accepted(self, customer: Customer) -> bool:
        return customer.privacy_accepted_at is not None

    def _sms_opted_out_at(self, customer: Customer) -> str | None:
        return _opted_out_at(customer, AddressKind.TEL)

    def _whatsapp_opted_out_at(self, customer: Customer) -> str | None:
        return _opted_out_at(customer, AddressKind.WHATSAPP)

    def _warnings(self, customer: Customer) -> list[str]:
        return customer_warnings(customer)


class CustomerInputSchema(InputSchema):
    name = ShortText(allow_none=True, metadata={"example": "Ursula Hoffmann"})
    phone = ShortText(
        allow_none=True,
        metadata={
            "description": "Any common notation; without a + the business's phone_region applies.",
            "example": "0151 12345678",
        },
    )
    email = EmailAddress(allow_none=True, validate=Length(max=200))
    whatsapp = ShortText(
        allow_none=True,
        metadata={
            "description": "The number the customer agreed to get WhatsApp notices on (rules "
            "with channel whatsapp); any notation, like phone.",
            "example": "0151 12345678",
        },
    )
    sms_consent = StrictBoolean()
    email_consent = StrictBoolean()
    locale = DomainChoice(
        SUPPORTED_LOCALES,
        allow_none=True,
        metadata={
            "description": "Set by staff: kept, though the bot answers each text in the"
            " language it is written in. null: the bot keeps the language the customer"
            " writes in, else the business's."
        },
    )
    privacy_accepted = StrictBoolean(
        metadata={"description": "true records now as the moment the privacy policy was accepted."}
    )
    external_id = ShortText(
        allow_none=True, metadata={"description": "The customer's id in your own system."}
    )


class CustomerCreateSchema(CustomerInputSchema):
    """A new customer; the service refuses one with nothing naming them (field name)."""


class CustomerQuerySchema(ListQuery):
    phone = fields.String(metadata={"description": "Any notation; matched in E.164."})
    email = fields.String()
    external_id = fields.String(
        metadata={"description": "Only customers with this id of your own system (exact)."}
    )


CustomerListSchema = items_schema(CustomerSchema, "CustomerListSchema")


def _opted_out_at(customer: Customer, kind: AddressKind) -> str | None:
    address = customer.address(kind)
    if address is None or address.opted_out_at is None:
        return None
    return address.opted_out_at.isoformat()


def customer_warnings(customer: Customer) -> list[str]:
    """What staff should know about reaching this customer by SMS."""
    warnings = []
    if customer.phone and customer.phone_is_mobile is False:
        warnings.append(PhoneNumber(customer.phone, is_mobile=False).warning)
    tel = customer.address(AddressKind.TEL)
    if tel is not None and tel.opted_out_at is not None:
        warnings.append(OPTED_OUT_WARNING)
    return warnings


@bp.route("", tags=["customers"])
class Customers(MethodView):
    @bp.arguments(CustomerQuerySchema, location="query")
    @bp.response(200, CustomerListSchema)
    def get(self, query):
        """List customers, optionally only those with a given phone, email or external id."""
        business = current_business()
        statement = select(Customer).where(Customer.business_id == business.id)
        if "phone" in query:
            try:
                phone = parse_phone(query["phone"], business.phone_region).e164
            except InvalidPhoneNumber as error:
                raise DomainError(str(error), code="invalid_phone", field="phone") from error
            statement = statement.where(Customer.phone == phone)
        if "email" in query:
            statement = statement.where(Customer.email == query["email"].strip().lower())
        statement = where_equal(statement, Customer, query, ("external_id",))
        return list_response(statement.order_by(Customer.id), query)

    @bp.arguments(CustomerCreateSchema)
    @bp.response(201, CustomerSchema)
    def post(self, data):
        """Create a customer."""
        customer = create_customer(
            db.session, current_business(), CustomerChanges.from_fields(data)
        )
        db.session.commit()
        return customer


@bp.route(f"/<int(max={MAX_ID}):customer_id>", tags=["customers"])
class CustomerById(MethodView):
    @bp.response(200, CustomerSchema)
    def get(self, customer_id):
        """Read one customer."""
        customer = get_customer(db.session, current_business(), customer_id)
        db.session.commit()
        return customer

    @bp.arguments(CustomerInputSchema)
    @bp.response(200, CustomerSchema)
    def patch(self, changes, customer_id):
        """Change a customer; fields left out stay as they are, null clears a field."""
        business = current_business()
        customer = get_customer(db.session, business, customer_id)
        update_customer(db.session, business, customer, CustomerChanges.from_fields(changes))
        db.session.commit()
        return customer

    @bp.response(204)
    def delete(self, customer_id):
        """Erase a customer (GDPR Art. 17): their planned notices are withdrawn, their
        messages' texts and addresses erased (the rows stay, so usage is unchanged), their
        conversations detached, and the customer, their addresses and records deleted; a
        later text from their number comes from an unknown number. Nothing is sent to them.
        """
        business = current_business()
        customer = get_customer(db.session, business, customer_id)
        erase_customer(db.session, business, customer, utcnow())
        db.session.commit()


@bp.route(f"/<int(max={MAX_ID}):customer_id>/export", tags=["customers"])
class CustomerExport(MethodView):
    # Documented, not filtered through the schema: the answer is everything the service
    # gathered, so a field added there can never go missing from the export.
    @bp.alt_response(200, schema=CustomerExportSchema, success=True, description="OK")
    def get(self, customer_id):
        """Everything stored about a customer (GDPR Art. 15): contact data, consent,
        addresses with opt-outs, records, notices, conversations with every message in
        both directions and staff's private notes, and the outgoing webhook events kept
        about them."""
        business = current_business()
        export = export_customer(
            db.session, business, get_customer(db.session, business, customer_id)
        )
        db.session.commit()
        return export

"""Customers: creating and changing them, and finding one by an address.

The phone is normalised with the business's default region (R0.6, R1.1)
and kept in step with the customer's `tel` contact address, which is what
inbound messages are matched against and where an SMS opt-out is recorded.
The WhatsApp number (given when the customer agreed to WhatsApp notices, or
learnt when they write on WhatsApp) is kept the same way in their `whatsapp`
address.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AddressKind, Business, ContactAddress, Customer, utcnow
from bot.phones import InvalidPhoneNumber, parse_phone
from bot.services.errors import Conflict, DomainError
from bot.services.lookup import owned_row
from bot.services.notify import release_privacy_holds
from outbound.rendering import SUPPORTED_LOCALES

FIELDS = (
    "name",
    "phone",
    "email",
    "whatsapp",
    "sms_consent",
    "email_consent",
    "locale",
    "privacy_accepted",
    "external_id",
)


def create_customer(session: Session, business: Business, data: dict[str, Any]) -> Customer:
    """Create a customer from validated API/web input. Raises DomainError on bad values."""
    customer = Customer(business_id=business.id, sms_consent=False, email_consent=False)
    session.add(customer)
    update_customer(session, business, customer, data)
    return customer


def update_customer(
    session: Session, business: Business, customer: Customer, changes: dict[str, Any]
) -> Customer:
    for field, value in changes.items():
        if field not in FIELDS:
            raise DomainError(f"unknown field {field!r}", field=field)
        if field == "phone":
            _set_phone(session, business, customer, value)
        elif field == "whatsapp":
            _set_whatsapp(session, business, customer, value)
        elif field == "privacy_accepted":
            if value and customer.privacy_accepted_at is None:
                customer.privacy_accepted_at = utcnow()
                if customer.id is not None:
                    release_privacy_holds(session, customer, now=customer.privacy_accepted_at)
            elif not value:
                customer.privacy_accepted_at = None
        elif field == "locale":
            if value is not None and value not in SUPPORTED_LOCALES:
                raise DomainError(
                    f"locale must be one of {', '.join(SUPPORTED_LOCALES)}", field="locale"
                )
            customer.locale = value
        elif field == "email":
            customer.email = value.strip().lower() if value else None
        else:
            setattr(customer, field, value)
    session.flush()
    return customer


def get_customer(session: Session, business: Business, customer_id: int) -> Customer:
    return owned_row(
        session, business, Customer, customer_id, label="customer", field="customer_id"
    )


def find_address(
    session: Session, business: Business, kind: AddressKind, value: str
) -> ContactAddress | None:
    return session.scalar(
        select(ContactAddress).where(
            ContactAddress.business_id == business.id,
            ContactAddress.kind == kind,
            ContactAddress.value == value,
        )
    )


def _set_phone(session: Session, business: Business, customer: Customer, text: str | None) -> None:
    """Set the customer's phone. An opt-out belongs to the number, not to the
    customer record (the carrier blocks the number), so the number's address row
    and its `opted_out_at` survive a change, a removal and a return."""
    if not text:
        customer.phone = None
        customer.phone_is_mobile = None
        return
    try:
        number = parse_phone(text, business.phone_region)
    except InvalidPhoneNumber as error:
        raise DomainError(str(error), code="invalid_phone", field="phone") from error
    row = find_address(session, business, AddressKind.TEL, number.e164)
    if row is None:
        customer.addresses.append(
            ContactAddress(business_id=business.id, kind=AddressKind.TEL, value=number.e164)
        )
    elif row.customer_id != customer.id:
        if row.customer.phone == number.e164:
            raise Conflict(
                f"{number.e164} already belongs to customer {row.customer_id}",
                code="duplicate_phone",
                field="phone",
            )
        row.customer = customer  # a number its earlier owner gave up moves, opt-out and all
    customer.phone = number.e164
    customer.phone_is_mobile = number.is_mobile


def _set_whatsapp(
    session: Session, business: Business, customer: Customer, text: str | None
) -> None:
    """Set the number the customer gets WhatsApp notices on; like the phone's, its
    address row (and a WhatsApp opt-out on it) outlives a change or removal."""
    if not text:
        customer.whatsapp = None
        return
    try:
        number = parse_phone(text, business.phone_region)
    except InvalidPhoneNumber as error:
        raise DomainError(str(error), code="invalid_phone", field="whatsapp") from error
    row = find_address(session, business, AddressKind.WHATSAPP, number.e164)
    if row is None:
        customer.addresses.append(
            ContactAddress(business_id=business.id, kind=AddressKind.WHATSAPP, value=number.e164)
        )
    elif row.customer_id != customer.id:
        if row.customer.whatsapp == number.e164:
            raise Conflict(
                f"{number.e164} already is the WhatsApp number of customer {row.customer_id}",
                code="duplicate_whatsapp",
                field="whatsapp",
            )
        row.customer = customer
    customer.whatsapp = number.e164

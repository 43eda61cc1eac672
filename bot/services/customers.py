"""Customers: creating and changing them, and finding one by an address.

The phone is normalised with the business's default region (R0.6, R1.1)
and kept in step with the customer's `tel` contact address, which is what
inbound messages are matched against and where an SMS opt-out is recorded.
The WhatsApp number, set when the customer agreed to WhatsApp notices, is
kept the same way in their `whatsapp` address. Every text is one line: the
name and email reach email headers, calendar cards and texts
(`bot.safe_values`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AddressKind, Business, ContactAddress, Customer, utcnow
from bot.phones import InvalidPhoneNumber, parse_phone
from bot.safe_values import email_address_problem, line_problem
from bot.services.errors import Conflict, DomainError, refuse_problem
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
        if isinstance(value, str):
            _check_text(field, value)
        if field in _NUMBERS:
            _set_number(session, business, customer, field, value)
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
            # Staff chose it, so the language the customer writes in no longer replaces it;
            # clearing it hands the choice back to the customer's own texts.
            customer.locale_set_by_staff = value is not None
        elif field == "email":
            customer.email = value.strip().lower() if value else None
        else:
            setattr(customer, field, value)
    session.flush()
    return customer


def _check_text(field: str, value: str) -> None:
    refuse_problem(field, line_problem(value))
    if field == "email":
        refuse_problem(field, email_address_problem(value.strip()))


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


# The customer's numbers, each kept in step with its contact address: (field, kind).
_NUMBERS = {"phone": AddressKind.TEL, "whatsapp": AddressKind.WHATSAPP}


def _set_number(
    session: Session, business: Business, customer: Customer, field: str, text: str | None
) -> None:
    """Set the customer's phone or WhatsApp number (`field`). An opt-out belongs to
    the number, not to the customer record (the carrier or WhatsApp blocks the
    number), so the number's address row and its `opted_out_at` survive a change,
    a removal and a return; a number its earlier owner gave up moves with them."""
    if not text:
        setattr(customer, field, None)
        if field == "phone":
            customer.phone_is_mobile = None
        return
    try:
        number = parse_phone(text, business.phone_region)
    except InvalidPhoneNumber as error:
        raise DomainError(str(error), code="invalid_phone", field=field) from error
    kind = _NUMBERS[field]
    row = find_address(session, business, kind, number.e164)
    if row is None:
        customer.addresses.append(
            ContactAddress(business_id=business.id, kind=kind, value=number.e164)
        )
    elif row.customer_id != customer.id:
        if getattr(row.customer, field) == number.e164:
            raise Conflict(
                f"{number.e164} already is the {field} of customer {row.customer_id}",
                code=f"duplicate_{field}",
                field=field,
            )
        row.customer = customer
    setattr(customer, field, number.e164)
    if field == "phone":
        customer.phone_is_mobile = number.is_mobile

"""Customers: creating and changing them, and finding one by an address.

The phone is normalised with the business's default region (R0.6, R1.1)
and kept in step with the customer's `tel` contact address, which is what
inbound messages are matched against and where an SMS opt-out is recorded.
The WhatsApp number, set when the customer agreed to WhatsApp notices, is
kept the same way in their `whatsapp` address. Every text is one line: the
name and email reach email headers, calendar cards and texts
(`bot.safe_values`). A customer always keeps something naming them (a name, a
phone number, an email or a WhatsApp number): creating and changing refuse
otherwise, for the API and the pages alike.

The customer pages read through here as well: the search (`search_customers`,
any notation of a number finds its E.164), the state of each address with
where its opt-out came from (`address_states`), and the customer's records,
notices and conversations (`customer_history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.errors import Conflict, DomainError, refuse_problem
from bot.models import (
    AddressKind,
    Business,
    ContactAddress,
    Conversation,
    Customer,
    Direction,
    Message,
    Notification,
    Record,
    utcnow,
)
from bot.phones import InvalidPhoneNumber, parse_phone
from bot.safe_values import email_address_problem, line_problem
from bot.services.lookup import contains_pattern, number_pattern, owned_row
from outbound.planning import release_privacy_holds
from outbound.policy.rendering import SUPPORTED_LOCALES
from outbound.policy.vocabulary import Channel
from outbound.transports.twilio import OPTED_OUT

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
    _refuse_nobody(customer, data)
    session.add(customer)
    update_customer(session, business, customer, data)
    return customer


def update_customer(
    session: Session, business: Business, customer: Customer, changes: dict[str, Any]
) -> Customer:
    """Apply validated changes to `customer`. Raises DomainError on bad values, and
    before changing anything when the changes would leave nothing naming the customer."""
    _refuse_nobody(customer, changes)
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


# What tells who a customer is: without all of them a row is one nobody can find or reach.
NAMING_FIELDS = ("name", "phone", "email", "whatsapp")


def _refuse_nobody(customer: Customer, changes: dict[str, Any]) -> None:
    """Raise DomainError (code "required", field "name") when `customer` with `changes`
    would have no name, phone number, email or WhatsApp number left."""

    def given(field: str) -> bool:
        value = changes[field] if field in changes else getattr(customer, field)
        return bool(value.strip()) if isinstance(value, str) else bool(value)

    if not any(given(field) for field in NAMING_FIELDS):
        raise DomainError(
            "a customer needs a name, a phone number, an email or a WhatsApp number",
            code="required",
            field="name",
        )


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


# --- reading, for the customer pages ----------------------------------------------


def search_customers(
    session: Session, business: Business, q: str | None, *, offset: int = 0, limit: int = 50
) -> tuple[list[Customer], bool]:
    """The business's customers whose name, email or a number holds `q` (all without
    one), by name, from `offset`: at most `limit`, and whether there are more.

    As in the inbox's search `%` and `_` are literal, and a number written with
    spaces, brackets or a leading 0 ("0151 1234…") finds its E.164 ("+49151…"),
    also when it is a number the customer used before (their contact addresses).
    """
    statement = select(Customer).where(Customer.business_id == business.id)
    text = (q or "").strip()
    if text:
        statement = statement.where(_matches(business, text))
    rows = session.scalars(
        statement.order_by(Customer.name.is_(None), Customer.name, Customer.id)
        .offset(max(0, offset))
        .limit(limit + 1)
    ).all()
    return list(rows[:limit]), len(rows) > limit


def _matches(business: Business, q: str):
    pattern = contains_pattern(q)
    conditions = [
        Customer.name.ilike(pattern, escape="\\"),
        Customer.email.ilike(pattern, escape="\\"),
        Customer.phone.like(pattern, escape="\\"),
    ]
    number = number_pattern(q)
    if number is not None:
        conditions.append(Customer.phone.like(number, escape="\\"))
        conditions.append(
            select(ContactAddress.id)
            .where(
                ContactAddress.customer_id == Customer.id,
                ContactAddress.business_id == business.id,
                ContactAddress.value.like(number, escape="\\"),
            )
            .exists()
        )
    return or_(*conditions)


# The channel each kind of address is written to on.
_CHANNELS = {
    AddressKind.TEL: Channel.SMS,
    AddressKind.WHATSAPP: Channel.WHATSAPP,
    AddressKind.MESSENGER: Channel.MESSENGER,
}
_PREFIXES = {AddressKind.WHATSAPP: "whatsapp:", AddressKind.MESSENGER: "messenger:"}
# An opt-out recorded from a text carries the text's moment of receipt.
_SAME_MOMENT = timedelta(seconds=1)


@dataclass(frozen=True)
class AddressState:
    """One of the customer's addresses: whether notices go there now, and its opt-out.

    `stop_text` is the customer's own message that opted them out (they texted
    STOP or the like); `carrier_refusal` is set when Twilio refused a message
    to the address because it had opted out with the carrier (error 21610)."""

    address: ContactAddress
    current: bool
    stop_text: Message | None = None
    carrier_refusal: Message | None = None

    @property
    def opted_out_at(self) -> datetime | None:
        return self.address.opted_out_at


def address_states(session: Session, customer: Customer) -> list[AddressState]:
    """Each address of the customer (current ones first) with its opt-out and its source."""
    states = []
    for address in customer.addresses:
        current = customer.address(address.kind) is address
        if address.opted_out_at is None:
            states.append(AddressState(address, current))
            continue
        states.append(
            AddressState(
                address,
                current,
                stop_text=_stop_text(session, address),
                carrier_refusal=_carrier_refusal(session, address),
            )
        )
    return sorted(
        states, key=lambda state: (not state.current, state.address.kind, state.address.id)
    )


def _written(address: ContactAddress) -> set[str]:
    """How Twilio writes the address (bare E.164 for SMS, prefixed for the others)."""
    return {address.value, _PREFIXES.get(address.kind, "") + address.value}


def _stop_text(session: Session, address: ContactAddress) -> Message | None:
    return session.scalar(
        select(Message)
        .where(
            Message.business_id == address.business_id,
            Message.direction == Direction.INBOUND,
            Message.channel == _CHANNELS[address.kind],
            Message.from_address.in_(_written(address)),
            Message.created_at >= address.opted_out_at - _SAME_MOMENT,
            Message.created_at <= address.opted_out_at + _SAME_MOMENT,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )


def _carrier_refusal(session: Session, address: ContactAddress) -> Message | None:
    return session.scalar(
        select(Message)
        .where(
            Message.business_id == address.business_id,
            Message.direction == Direction.OUTBOUND,
            Message.to_address.in_(_written(address)),
            Message.error_code == OPTED_OUT,
        )
        .order_by(Message.id)
        .limit(1)
    )


@dataclass(frozen=True)
class CustomerHistory:
    """What the business has done with a customer, newest first, each list bounded."""

    records: list[Record]
    notifications: list[Notification]
    conversations: list[Conversation]


def customer_history(
    session: Session, business: Business, customer: Customer, *, limit: int = 50
) -> CustomerHistory:
    """The customer's records, notices and conversations, newest first, `limit` of each."""
    mine = {"business_id": business.id, "customer_id": customer.id}
    return CustomerHistory(
        records=list(
            session.scalars(
                select(Record)
                .filter_by(**mine)
                .order_by(Record.starts_at.desc().nulls_last(), Record.id.desc())
                .limit(limit)
            )
        ),
        notifications=list(
            session.scalars(
                select(Notification)
                .filter_by(**mine)
                .order_by(Notification.due_at.desc(), Notification.id.desc())
                .limit(limit)
            )
        ),
        conversations=list(
            session.scalars(
                select(Conversation)
                .filter_by(**mine)
                .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
                .limit(limit)
            )
        ),
    )
